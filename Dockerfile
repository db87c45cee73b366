# dump-forwarder image, after the Spring Boot reference layout: the jar is extracted into layers in a
# first stage and the layers copied, least changing first, into the second.
# Build the jar first (mvn -DskipTests package), then:
#   podman build --build-arg BASE_IMAGE=<a JRE 17+ image> -t dump-forwarder .
ARG BASE_IMAGE=eclipse-temurin:17-jre

FROM ${BASE_IMAGE} AS builder
WORKDIR /builder
COPY target/dump-forwarder-*.jar application.jar
RUN java -Djarmode=tools -jar application.jar extract --layers --destination extracted

FROM ${BASE_IMAGE}
WORKDIR /application
COPY --from=builder /builder/extracted/dependencies/ ./
COPY --from=builder /builder/extracted/spring-boot-loader/ ./
COPY --from=builder /builder/extracted/snapshot-dependencies/ ./
COPY --from=builder /builder/extracted/application/ ./
# Class data sharing: a training run that stops once the context is refreshed records the classes it
# loaded, so each start maps them instead of loading them again: median start to ready 2.75 s with it
# against 3.81 s without on a 2-core machine (docs/deploy.md), for 48 MB more image.
RUN java -XX:+UseParallelGC -XX:ArchiveClassesAtExit=application.jsa -Dspring.context.exit=onRefresh \
      -jar application.jar --forwarder.dump-url=http://127.0.0.1:9/training \
    && rm -rf /tmp/*
COPY src/main/docker/entrypoint.sh ./
USER 10001:10001
EXPOSE 8080 8081
# The image's JVM defaults are in entrypoint.sh, each one left out when JAVA_TOOL_OPTIONS or JDK_JAVA_OPTIONS
# sets the same thing, so an operator's GC, heap or CDS flags win; arguments after the image name add
# --key=value settings. The parallel collector, chosen by measurement (bench/RESULTS.md, issue 12): against
# G1 at the chart's 512 MiB it kept peak RSS 50 MiB lower, delivered more and had the same p99; the JVM's own
# choice in a 512 MiB container would be the serial collector (its default below 1792 MB of memory), whose
# pauses doubled the p99. The heap at 35% of the limit keeps peak RSS under 384 MiB at 512 MiB flat out
# (at 50%: 401-418 MiB; at 40%: 388-401 MiB).
ENTRYPOINT ["./entrypoint.sh"]
