/**
 * Where a process's time went, from a V8 CPU profile (`node --cpu-prof`): self time summed by
 * function name and location, largest first, as a share of the busy (non-idle) time. Usage:
 *
 *   node benchmarks/dist/cpu-profile-summary.js PROFILE.cpuprofile [TOP]
 *
 * The profile is a tree of call frames and a list of samples, each naming the node that was on
 * top of the stack and the microseconds since the previous sample (Chrome DevTools' Profile
 * type). Samples are wall-clock: a thread preempted on a busy machine is counted in the frame
 * it was in, so native calls that wake other threads (fs and socket writes) look heavier on an
 * oversubscribed machine than the CPU they use. A native frame (no script location) is named
 * with its caller, so fs's writeBuffer and a socket's are told apart.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

interface SelfTime {
  name: string;
  microseconds: number;
}

/** The V8 pseudo-frame for time the thread waited for events. */
const idleFrame = '(idle)';

function frameName(frame: CallFrame, root: string): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const url = frame.url;
  const path = url.startsWith('file://') ? relative(root, new URL(url).pathname) : url;
  return `${name} ${path}:${frame.lineNumber + 1}`;
}

/** Self time per frame name, largest first; idle time is returned apart. */
function summarise(profile: CpuProfile, root: string) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node);
  }
  const nameOf = (node: ProfileNode) => {
    const name = frameName(node.callFrame, root);
    const isNative = node.callFrame.url === '' && !name.startsWith('(');
    const parent = parents.get(node.id);
    return isNative && parent !== undefined
      ? `${name} < ${frameName(parent.callFrame, root)}`
      : name;
  };
  const byName = new Map<string, number>();
  let idleMicroseconds = 0;
  profile.samples.forEach((nodeId, index) => {
    const node = nodes.get(nodeId)!;
    const microseconds = profile.timeDeltas[index] ?? 0;
    if (node.callFrame.functionName === idleFrame) idleMicroseconds += microseconds;
    else {
      const name = nameOf(node);
      byName.set(name, (byName.get(name) ?? 0) + microseconds);
    }
  });
  const selfTimes: SelfTime[] = [...byName]
    .map(([name, microseconds]) => ({ name, microseconds }))
    .sort((a, b) => b.microseconds - a.microseconds);
  return { selfTimes, idleMicroseconds };
}

function main(): void {
  const [path, top = '15'] = process.argv.slice(2);
  if (path === undefined) {
    console.error('usage: cpu-profile-summary PROFILE.cpuprofile [TOP]');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const { selfTimes, idleMicroseconds } = summarise(profile, process.cwd());
  const busy = selfTimes.reduce((sum, entry) => sum + entry.microseconds, 0);
  const milliseconds = (microseconds: number) => (microseconds / 1000).toFixed(0);
  console.log(`busy ${milliseconds(busy)} ms, idle ${milliseconds(idleMicroseconds)} ms`);
  console.log('|  self ms | busy % | function location |');
  console.log('|---------:|-------:|-------------------|');
  for (const entry of selfTimes.slice(0, Number(top))) {
    const percent = ((100 * entry.microseconds) / busy).toFixed(1);
    const cells = [milliseconds(entry.microseconds).padStart(8), percent.padStart(6), entry.name];
    console.log(`| ${cells.join(' | ')} |`);
  }
}

main();
