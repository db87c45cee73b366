"""CPU samples per 1,000 dumps by part of the work, from async-profiler's collapsed stacks.

Usage: python3 bench/cpu_parts.py STACKS DUMPS [REFERENCE_STACKS REFERENCE_DUMPS]

A sample goes to the first part below whose frames it holds anywhere on its stack (work done on behalf of that
part, whatever library runs it); any other sample goes to the library of its innermost frame outside the JDK, or
to system calls when it is in the kernel or the epoll JNI library. With a second profile (the lean reference's),
prints both side by side and the difference. Last line: of the forwards whose connection was acquired, the share
of the acquire's work that ran as a task on another event loop (the pool is not loop-affine) rather than inline.
"""
import collections
import sys

PARTS = [
    ("Netty leak detector (sampled stack traces)", ["ResourceLeakDetector"]),
    # JsonCheck since issue 39; Jackson's parse in DumpReader.read and a UTF-8 pass before.
    ("dump validation (JsonCheck; before: Jackson, UTF-8 check)",
     ["ingest/JsonCheck", "ingest/DumpReader.read", "body/Utf8"]),
    ("Micrometer meters", ["io/micrometer"]),
    ("timers per request (read, request and idle timeouts, head deadline, attempt timeout)",
     ["addIdleTimeoutHandler", "removeIdleTimeoutHandler", "IdleStateHandler.initialize", "IdleStateHandler.destroy",
      "ScheduledFutureTask", "DefaultPriorityQueue", "AbstractScheduledEventExecutor", "HashedWheelTimer",
      "TimingWheel"]),
]
LIBRARIES = [
    ("io/github/resilience4j", "Resilience4j (breaker)"),
    ("io/dumpforwarder", "the service's own code"),
    ("io/netty/handler/codec", "Netty HTTP codec"),
    ("io/netty", "Netty (pipeline, buffers, event loop)"),
    ("reactor/netty", "Reactor Netty"),
    ("reactor/", "Reactor operators"),
    ("tools/jackson", "Jackson (answers)"),
    ("io/opentelemetry", "tracing"),
    ("io/micrometer/tracing", "tracing"),
    ("ch/qos", "logging"),
    ("org/slf4j", "logging"),
    ("org/springframework", "Spring"),
]
SYSTEM_CALLS = "system calls (the epoll JNI library and the kernel)"


def load(path):
    stacks = []
    with open(path) as lines:
        for line in lines:
            frames, _, count = line.rstrip().rpartition(" ")
            stacks.append((frames.split(";"), int(count)))
    return stacks


def part(frames):
    for name, patterns in PARTS:
        if any(pattern in frame for frame in frames for pattern in patterns):
            return name
    leaf = frames[-1]
    if "libnetty_transport_native_epoll" in leaf or leaf.startswith("io/netty/channel/epoll/Native") \
            or leaf.endswith("_[k]") or "/" not in leaf and leaf.split("_")[-1] in ("writev", "recv", "send"):
        return SYSTEM_CALLS
    for frame in reversed(frames):
        if "/" not in frame or frame.startswith(("java/", "jdk/", "sun/", "com/sun/")):
            continue
        return next((name for prefix, name in LIBRARIES if frame.startswith(prefix)), "other libraries")
    return "JVM and JDK (GC, JIT, runtime)"


def parts(stacks):
    counted = collections.Counter()
    for frames, count in stacks:
        counted[part(frames)] += count
    return counted


def crossings(stacks):
    """Share of the samples under the pool's acquire that ran as a task (another loop's hand-off)."""
    task = inline = 0
    for frames, count in stacks:
        at = next((i for i, frame in enumerate(frames) if "DisposableAcquire.run" in frame), None)
        if at is None or at == 0:
            continue
        if "runTask" in frames[at - 1]:
            task += count
        else:
            inline += count
    return task / (task + inline) if task + inline else 0.0


def main(args):
    profiles = [(load(args[i]), float(args[i + 1])) for i in range(0, len(args), 2)]
    counted = [(parts(stacks), dumps) for stacks, dumps in profiles]
    per_1000 = [lambda name, c=c, d=d: 1000 * c[name] / d for c, d in counted]
    names = sorted(set().union(*(c for c, _ in counted)),
                   key=lambda name: -(per_1000[0](name) - (per_1000[1](name) if len(counted) > 1 else 0)))
    header = ["part", "samples per 1,000 dumps (share)"] + (["reference", "difference"] if len(counted) > 1 else [])
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    totals = [sum(c.values()) for c, _ in counted]
    for name in names:
        cells = [f"{per_1000[i](name):.2f} ({100 * counted[i][0][name] / totals[i]:.1f} %)"
                 for i in range(len(counted))]
        if len(counted) > 1:
            cells.append(f"{per_1000[0](name) - per_1000[1](name):+.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    cells = [f"{1000 * totals[i] / counted[i][1]:.2f}" for i in range(len(counted))]
    if len(counted) > 1:
        cells.append(f"{1000 * totals[0] / counted[0][1] - 1000 * totals[1] / counted[1][1]:+.2f}")
    print("| total | " + " | ".join(cells) + " |")
    print("acquires handed to another event loop: "
          + ", ".join(f"{100 * crossings(stacks):.0f} %" for stacks, _ in profiles))


if __name__ == "__main__":
    main(sys.argv[1:])
