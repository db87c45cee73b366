#!/bin/sh
# The image's entry point: the JVM with the image's defaults, each left out when the operator's
# JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS sets the same thing, so what the operator sets wins (two garbage
# collectors would stop the JVM, and a flag on the command line would beat the same flag in those variables).
# Arguments are --key=value settings of the service. exec, so SIGTERM reaches the JVM and the drain runs.
set -eu
operator="${JAVA_TOOL_OPTIONS:-} ${JDK_JAVA_OPTIONS:-}"

sets() {
  for pattern in "$@"; do
    case "$operator" in *"$pattern"*) return 0 ;; esac
  done
  return 1
}

set -- -jar application.jar "$@"
# The parallel collector, chosen by measurement (bench/RESULTS.md, issue 12).
sets -XX:+UseSerialGC -XX:+UseParallelGC -XX:+UseG1GC -XX:+UseZGC -XX:+UseShenandoahGC -XX:+UseEpsilonGC || set -- -XX:+UseParallelGC "$@"
# The heap at 35% of the memory limit keeps peak RSS under 384 MiB at 512 MiB flat out.
sets 'RAMPercentage=' '-Xmx' 'MaxHeapSize=' || set -- -XX:MaxRAMPercentage=35 "$@"
sets 'OnOutOfMemoryError' || set -- -XX:+ExitOnOutOfMemoryError "$@"
# The class data sharing archive made when the image was built.
sets '-Xshare' 'SharedArchiveFile=' || set -- -XX:SharedArchiveFile=application.jsa -Xshare:auto "$@"
exec java "$@"
