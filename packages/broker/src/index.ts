export { type BrokerOptions, type RunningBroker, startBroker } from './broker.js';
