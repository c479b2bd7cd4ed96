#!/usr/bin/env python3
"""Aggregate a dotnet-trace speedscope file: inclusive and exclusive shares of time in frames, counting only
stacks that contain CPU_TIME (samples running managed code)."""
import json, sys, collections
path = sys.argv[1]; title = sys.argv[2] if len(sys.argv) > 2 else path
top = int(sys.argv[3]) if len(sys.argv) > 3 else 60
d = json.load(open(path))
frames = [f['name'] for f in d['shared']['frames']]
incl = collections.Counter(); excl = collections.Counter(); total = 0.0
def add(stack, w):
    global total
    names = [frames[i] for i in stack]
    if not any('CPU_TIME' in n for n in names):
        return
    total += w
    for n in set(names):
        incl[n] += w
    real = [n for n in names if 'CPU_TIME' not in n]
    if real:
        excl[real[-1]] += w
for p in d['profiles']:
    if p['type'] == 'sampled':
        for s, w in zip(p['samples'], p['weights']):
            add(s, w)
    else:
        stack = []; last = None
        # evented: open/close; time between events belongs to the current stack
        for e in p['events']:
            if last is not None and stack:
                add(list(stack), e['at'] - last)
            last = e['at']
            if e['type'] == 'O':
                stack.append(e['frame'])
            else:
                # close the frame (it is on top)
                if stack and stack[-1] == e['frame']:
                    stack.pop()
                elif e['frame'] in stack:
                    idx = len(stack) - 1 - stack[::-1].index(e['frame']); del stack[idx:]
print(f"# {title}")
print(f"# shares of the samples running managed code (CPU_TIME), {total:.0f} ms sampled")
print("## inclusive")
for n, w in incl.most_common(top):
    print(f"{100*w/total:5.1f}% {n[:160]}")
print("## exclusive")
for n, w in excl.most_common(top):
    print(f"{100*w/total:5.1f}% {n[:160]}")
