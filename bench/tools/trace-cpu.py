#!/usr/bin/env python3
"""Summarises a dotnet-trace CPU profile: inclusive share of on-CPU samples per method.

dotnet-trace's sampler records every thread every millisecond, waiting or not; this keeps only the samples
that were running (managed CPU_TIME, or native code not under a known wait), so the shares say where the
process's CPU went.

Usage:
  dotnet-trace collect -p PID --profile dotnet-sampled-thread-time --duration 00:00:00:15 -o webhook.nettrace
  dotnet-trace convert webhook.nettrace --format speedscope -o webhook      # writes webhook.speedscope.json
  python3 bench/tools/trace-cpu.py webhook.speedscope.json [FILTER] [TOP]
FILTER keeps only methods whose name contains it (e.g. Webhook! or Serilog); TOP defaults to 60.
"""
import collections
import json
import sys

# Leaf methods (under UNMANAGED_CODE_TIME) that mean the thread was blocked, not running.
WAITS = ('WaitNative', 'WaitOneNoCheck', 'Monitor.Wait(', 'Interop+Sys.Read(', 'WaitForSocketEvents', '?!?',
         'LowLevelLifoSemaphore.WaitForSignal', 'SpinThenBlockingWait', 'Thread.Sleep', 'TimerQueue.TimerThread',
         'Heartbeat.TimerLoop', 'ProcessEvents', 'SocketAsyncEngine.EventLoop', 'GateThreadStart')
PSEUDO = ('CPU_TIME', 'UNMANAGED_CODE_TIME')


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ('-h', '--help'):
        print(__doc__)
        return 0
    doc = json.load(open(sys.argv[1]))
    names = [f['name'] for f in doc['shared']['frames']]
    wanted = sys.argv[2] if len(sys.argv) > 2 else ''
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 60
    inclusive = collections.Counter()
    running = waiting = 0.0
    for profile in doc['profiles']:
        stack, last = [], None
        for event in profile['events']:
            at = event['at']
            if last is not None and stack:
                span = at - last
                real = [names[f] for f in stack if names[f] not in PSEUDO]
                leaf = real[-1] if real else '?'
                if names[stack[-1]] == 'UNMANAGED_CODE_TIME' and any(w in leaf for w in WAITS):
                    waiting += span
                else:
                    running += span
                    for name in set(real):
                        inclusive[name] += span
            last = at
            if event['type'] == 'O':
                stack.append(event['frame'])
            else:
                while stack and stack[-1] != event['frame']:
                    stack.pop()
                if stack:
                    stack.pop()
    print(f"running {running:.0f} ms, blocked {waiting:.0f} ms (thread-milliseconds)")
    shown = 0
    for name, span in inclusive.most_common():
        if wanted and wanted not in name:
            continue
        print(f"{100 * span / running:6.2f}%  {name[:160]}")
        shown += 1
        if shown >= top:
            break
    return 0


if __name__ == '__main__':
    sys.exit(main())
