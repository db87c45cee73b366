package io.dumpforwarder;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.dumpforwarder.support.BrokerProcess;
import io.dumpforwarder.support.KafkaBroker;
import io.dumpforwarder.support.Load;
import io.dumpforwarder.support.Meters;
import io.dumpforwarder.support.OtlpReceiver;
import io.dumpforwarder.support.RunningApp;
import io.dumpforwarder.support.TcpRelay;
import io.dumpforwarder.support.TestCollector;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.opentelemetry.proto.trace.v1.Span;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Sinks;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What the Kafka buffer promises across processes, against a real broker: nothing is
 * answered 202 that Kafka does not hold, a killed service loses nothing it accepted,
 * replicas share the work, a rebalance re-delivers only unsettled dumps, and the open
 * breaker pauses consumption without leaving the group.
 */
@ExtendWith(OutputCaptureExtension.class)
class KafkaDurabilityTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final TestCollector collector = new TestCollector();

    @AfterAll
    static void closeCollector() {
        collector.close();
    }

    @Test
    void startFailsNamingTheKeyWhenTheTopicDoesNotExist() {
        assertThatThrownBy(() -> RunningApp
            .start(args("no-such-topic", "g-" + UUID.randomUUID(), "--forwarder.dump-url=" + collector.url())))
            .hasStackTraceContaining("forwarder.buffer.kafka.topic 'no-such-topic'");
    }

    @Test
    void startFailsNamingTheKeyWhenTheDeadLetterTopicDoesNotExist() {
        assertThatThrownBy(() -> RunningApp.start(args(KafkaBroker.newTopic("dumps", 1), "g-" + UUID.randomUUID(),
                "--forwarder.buffer.kafka.dead-letter-topic=no-such-dead-letters",
                "--forwarder.dump-url=" + collector.url())))
            .hasStackTraceContaining("forwarder.buffer.kafka.dead-letter-topic 'no-such-dead-letters' does not exist");
    }

    /**
     * The dead-letter topic gone (deleted while the service runs, auto-creation off as in
     * most clusters): a refused dump's dead letter cannot be written, so the dump stays
     * in the buffer, uncommitted, and the failure is counted; ingest is not held
     * meanwhile. Once the topic is back the dead letter is written and the dump
     * committed.
     */
    @Test
    void aDeadLetterNotWrittenKeepsTheDumpUntilItIs() throws Exception {
        EmbeddedKafkaKraftBroker own = new EmbeddedKafkaKraftBroker(1, 1, "dumps", "dead");
        own.brokerProperty("auto.create.topics.enable", "false");
        KafkaBroker.start(own);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        try (RunningApp app = RunningApp.start("--forwarder.buffer.type=kafka",
                "--spring.kafka.bootstrap-servers=" + own.getBrokersAsString(),
                "--spring.kafka.consumer.group-id=" + group, "--forwarder.dump-url=" + collector.url(),
                "--forwarder.buffer.kafka.dead-letter-topic=dead", "--forwarder.buffer.kafka.redelivery-backoff=200ms",
                "--forwarder.retry.enabled=false", "--spring.kafka.producer.properties.max.block.ms=500");
                Admin admin = Admin.create(Map.of("bootstrap.servers", own.getBrokersAsString()))) {
            admin.deleteTopics(List.of("dead")).all().get(30, TimeUnit.SECONDS);
            collector.answer(400);

            app.postJson(dump(7)).expectStatus().isAccepted();
            await().atMost(WAIT).until(() -> app.meters().count("dumps.buffer.dead.letter.failures") >= 2);
            assertThat(app.meters().gauge("dumps.buffer.unsettled")).isEqualTo(1);
            long asked = System.nanoTime();
            app.postJson(dump(8)).expectStatus().isAccepted();
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(2));

            admin.createTopics(List.of(new NewTopic("dead", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            await().atMost(WAIT).until(() -> app.meters().count("dumps.buffer.dead.lettered") == 2);
            await().atMost(WAIT).until(() -> app.meters().gauge("dumps.buffer.unsettled") == 0);
        }
        finally {
            own.destroy();
        }
    }

    /**
     * Resilience4j 2.4's lock-free window of one call loses its head at the second call
     * it records: with a breaker of one half-open probe, late sends recorded while it is
     * open again threw, and their callers were never answered. The buffer breaker's
     * window is synchronized: it records them.
     */
    @Test
    void theBufferBreakerRecordsLateSendsWhileOpenAgain() {
        try (RunningApp app = RunningApp.start(args(KafkaBroker.newTopic("dumps", 1), "g-" + UUID.randomUUID(),
                "--forwarder.dump-url=" + collector.url()))) {
            // A breaker of the buffer breaker's own settings, without the service's
            // background probe, which would decide its half-open state first.
            CircuitBreakerRegistry breakers = app.bean(CircuitBreakerRegistry.class);
            CircuitBreaker breaker = breakers.circuitBreaker("buffer-settings",
                    breakers.circuitBreaker("buffer").getCircuitBreakerConfig());
            for (int i = 0; i < 7; i++) {
                breaker.acquirePermission();
            }
            for (int i = 0; i < 5; i++) {
                breaker.onError(1, TimeUnit.MILLISECONDS, new TimeoutException());
            }
            breaker.transitionToHalfOpenState();
            breaker.onError(1, TimeUnit.MILLISECONDS, new TimeoutException());
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
            breaker.onError(1, TimeUnit.MILLISECONDS, new TimeoutException());
            breaker.onSuccess(1, TimeUnit.MILLISECONDS);
            assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);
        }
    }

    @Test
    void aLockFreeDumpBreakerOfOneProbeStopsTheStartNamingTheKey() {
        assertThatThrownBy(() -> RunningApp.start("--forwarder.dump-url=" + collector.url(),
                "--resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state=1"))
            .hasStackTraceContaining(
                    "resilience4j.circuitbreaker.instances.dump.permitted-number-of-calls-in-half-open-state must be at least 2");
    }

    /**
     * A pod started while Kafka is away starts, live but not ready, instead of failing
     * its start (a crash loop that would outlast the outage); once the broker answers and
     * the topic exists it becomes ready and accepts dumps.
     */
    @Test
    void aServiceStartedWhileTheBrokerIsDownBecomesReadyWhenItIsBack(CapturedOutput output) throws IOException {
        EmbeddedKafkaKraftBroker later = new EmbeddedKafkaKraftBroker(1, 1, "dumps");
        collector.reset();
        try (TcpRelay bootstrap = new TcpRelay();
                RunningApp app = onBrokerToLose(bootstrap.address(), Duration.ofMillis(500))) {
            WebTestClient management = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + app.managementPort())
                .build();
            management.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();
            management.get().uri("/actuator/health/readiness").exchange().expectStatus().isEqualTo(503);
            assertThat(output.getOut()).contains("Kafka did not answer whether forwarder.buffer.kafka.topic 'dumps'");
            app.postJson(dump(0)).expectStatus().isEqualTo(503);

            String[] broker = KafkaBroker.start(later).getBrokersAsString().split(":");
            bootstrap.open(broker[0], Integer.parseInt(broker[1]));
            await().atMost(WAIT)
                .untilAsserted(
                        () -> management.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk());
            await().atMost(WAIT).untilAsserted(() -> app.postJson(dump(1)).expectStatus().isAccepted());
            await().atMost(WAIT).until(() -> uids().contains("1"));
            assertThat(output.getOut()).contains("forwarder.buffer.kafka.topic 'dumps' exists: ready",
                    "Kafka acknowledges dumps again after");
        }
        finally {
            later.destroy();
        }
    }

    /**
     * A bootstrap name that does not resolve yet (a headless Service's pods are down):
     * Kafka's clients refuse to be created, yet the service starts, live and not ready,
     * refusing dumps 503; once the name resolves (added to the resolver's hosts file
     * while it runs) it turns ready, accepts and delivers. A process of its own, for a
     * resolver of its own.
     */
    @Test
    void aBootstrapNameThatDoesNotResolveYetLeavesThePodNotReadyUntilItDoes(@TempDir Path dir) throws Exception {
        Path hosts = Files.writeString(dir.resolve("hosts"), "127.0.0.1 localhost\n");
        Path security = Files.writeString(dir.resolve("java.security"), "networkaddress.cache.negative.ttl=0\n");
        String topic = KafkaBroker.newTopic("dns", 1);
        String port = KafkaBroker.bootstrapServers().substring(KafkaBroker.bootstrapServers().lastIndexOf(':') + 1);
        int ingestPort = freePort();
        int managementPort = freePort();
        collector.reset();
        List<String> command = new ArrayList<>(javaCommand(new String[] { "--forwarder.buffer.type=kafka",
                "--spring.kafka.bootstrap-servers=kafka-0.kafka.dump-forwarder.test:" + port,
                "--forwarder.buffer.kafka.topic=" + topic, "--spring.kafka.consumer.group-id=g-" + UUID.randomUUID(),
                "--server.port=" + ingestPort, "--management.server.port=" + managementPort,
                "--forwarder.dump-url=" + collector.url() }));
        command.addAll(1, List.of("-Djdk.net.hosts.file=" + hosts, "-Djava.security.properties=" + security));
        Process service = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(new File("target/kafka-dns-service.log"))
            .start();
        try {
            WebTestClient management = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + managementPort)
                .build();
            WebTestClient ingest = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + ingestPort).build();
            await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(
                        () -> management.get().uri("/actuator/health/liveness").exchange().expectStatus().isOk());
            management.get().uri("/actuator/health/readiness").exchange().expectStatus().isEqualTo(503);
            assertThat(post(ingest, dump(0))).isEqualTo(503);

            Files.writeString(hosts, "127.0.0.1 kafka-0.kafka.dump-forwarder.test\n", StandardOpenOption.APPEND);
            await().atMost(WAIT)
                .untilAsserted(
                        () -> management.get().uri("/actuator/health/readiness").exchange().expectStatus().isOk());
            await().atMost(WAIT).until(() -> post(ingest, dump(1)) == 202);
            await().atMost(WAIT).until(() -> uids().contains("1"));
            assertThat(service.isAlive()).isTrue();
        }
        finally {
            service.destroyForcibly().waitFor();
        }
    }

    @Test
    void withTheBrokerDownNothingIsAcknowledged(CapturedOutput output) {
        EmbeddedKafkaKraftBroker own = KafkaBroker.start(new EmbeddedKafkaKraftBroker(1, 1, "dumps"));
        try (RunningApp app = onBrokerToLose(own, Duration.ofMillis(500))) {
            app.postJson(dump(1)).expectStatus().isAccepted();
            own.destroy();

            long started = System.nanoTime();
            app.postJson(dump(2))
                .expectStatus()
                .isEqualTo(503)
                .expectHeader()
                .exists("Retry-After")
                .expectBody()
                .jsonPath("$.outcome")
                .isEqualTo("buffer_unavailable");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
            assertThat(app.meters().received("buffer_unavailable")).isEqualTo(1);
            assertThat(output.getOut().lines().filter((line) -> line.contains("Kafka did not acknowledge dumps")))
                .singleElement()
                .asString()
                .contains("\"level\":\"WARN\"", "within 500 ms");
        }
    }

    /**
     * With the broker gone, 30 callers at once each wait for their send (blocked in the
     * producer up to max.block.ms, 3 s); meanwhile the probes and the scrape answer at
     * once, since sends block only the buffer's own threads. Once the sends have failed,
     * the buffer breaker answers the next caller at once instead of after the send
     * timeout.
     */
    @Test
    void aBrokerOutageHoldsNeitherTheProbesNorTheNextCallers() throws Exception {
        EmbeddedKafkaKraftBroker own = KafkaBroker.start(new EmbeddedKafkaKraftBroker(1, 1, "dumps"));
        Duration sendTimeout = Duration.ofSeconds(3);
        ExecutorService callers = Executors.newFixedThreadPool(30);
        try (RunningApp app = onBrokerToLose(own, sendTimeout)) {
            app.postJson(dump(1)).expectStatus().isAccepted();
            own.destroy();
            WebTestClient management = WebTestClient.bindToServer()
                .baseUrl("http://127.0.0.1:" + app.managementPort())
                .responseTimeout(Duration.ofSeconds(30))
                .build();

            List<Future<Integer>> waiting = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                String body = dump(100 + i);
                waiting.add(callers.submit(() -> app.postJson(body).returnResult(String.class).getStatus().value()));
            }
            await().atMost(WAIT).until(() -> app.meters().gauge("dumps.ingest.connections") >= 30);
            for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness",
                    "/actuator/prometheus")) {
                long asked = System.nanoTime();
                management.get().uri(probe).exchange().expectStatus().isOk();
                assertThat(Duration.ofNanos(System.nanoTime() - asked)).as(probe).isLessThan(sendTimeout.dividedBy(2));
            }
            for (Future<Integer> caller : waiting) {
                assertThat(caller.get(30, TimeUnit.SECONDS)).isEqualTo(503);
            }

            long asked = System.nanoTime();
            app.postJson(dump(2)).expectStatus().isEqualTo(503).expectHeader().exists("Retry-After");
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(sendTimeout.dividedBy(2));
            assertThat(app.meters().received("buffer_unavailable")).isEqualTo(31);
        }
        finally {
            callers.shutdownNow();
        }
    }

    /**
     * Under a steady load (100 requests a second), the broker freezes (SIGSTOP: its
     * connections open and silent), thaws, then dies (SIGKILL): every request is
     * answered, 202 or 503, none later than the send timeout allows, and each is counted
     * (before: the late timeouts of an outage's first seconds, recorded by Resilience4j's
     * lock-free window of one half-open call, threw, and their callers got no answer).
     * While the buffer breaker is open, no caller waits: whether Kafka is back is found
     * out by the breaker's own probe, never by a caller's send (before: one caller a
     * second waited the whole send timeout as the probe).
     */
    @Test
    void everyRequestIsAnsweredThroughABrokerFrozenThenKilledUnderLoad() throws Exception {
        Duration sendTimeout = Duration.ofSeconds(2);
        try (BrokerProcess broker = BrokerProcess.start("dumps");
                RunningApp app = onBrokerToLose(broker.bootstrapServers(), sendTimeout)) {
            await().atMost(WAIT).untilAsserted(() -> app.postJson(dump(0)).expectStatus().isAccepted());
            long acceptedBefore = app.meters().received("accepted");
            long refusedBefore = app.meters().received("buffer_unavailable");
            Load load = new Load(app.port());
            Sinks.Empty<Void> stop = Sinks.empty();
            CompletableFuture<Void> offered = load.offerUntil(Duration.ofMillis(10), stop.asMono()).toFuture();
            await().atMost(WAIT).until(() -> load.answered(202) >= 100);

            broker.freeze();
            assertNoCallerWaitsWhileTheBreakerIsOpen(app, load, sendTimeout);
            broker.thaw();
            long before = load.answered(202);
            await().atMost(WAIT).until(() -> load.answered(202) >= before + 100);

            broker.close();
            assertNoCallerWaitsWhileTheBreakerIsOpen(app, load, sendTimeout);
            stop.tryEmitEmpty();
            offered.get(60, TimeUnit.SECONDS);

            System.out.println("Broker frozen, thawed, killed: " + load.answered(202) + " accepted, "
                    + load.answered(503) + " refused 503, " + load.answered(-1) + " unanswered, slowest answer "
                    + load.slowest().toMillis() + " ms");
            assertThat(load.answered(-1)).as("requests never answered").isZero();
            assertThat(load.slowest()).isLessThan(sendTimeout.plusSeconds(5));
            assertThat(app.meters().received("accepted")).isEqualTo(acceptedBefore + load.answered(202));
            assertThat(app.meters().received("buffer_unavailable")).isEqualTo(refusedBefore + load.answered(503));
        }
    }

    /**
     * Once the buffer breaker opens, for the next 500 answers (five seconds, several of
     * its probes), every caller is answered without waiting for a send.
     */
    private static void assertNoCallerWaitsWhileTheBreakerIsOpen(RunningApp app, Load load, Duration sendTimeout) {
        await().atMost(WAIT)
            .until(() -> app.meters()
                .gauge("resilience4j.circuitbreaker.state", "name", "buffer", "state", "open") == 1);
        long opened = System.nanoTime();
        long refused = load.answered(503);
        await().atMost(WAIT).until(() -> load.answered(503) >= refused + 500);
        // Those started a send timeout before now have all been answered.
        long settled = System.nanoTime() - sendTimeout.toNanos();
        Duration slowest = load.slowestStartedBetween(opened, settled);
        System.out.println("Slowest answer while the breaker was open: " + slowest.toMillis() + " ms");
        assertThat(slowest).isLessThan(sendTimeout.dividedBy(2));
    }

    /**
     * The fair share in Kafka mode is of the bytes given to the producer and not yet
     * answered for (at most its buffer.memory, 200 KB here). With the broker gone, sends
     * stay unanswered until their delivery timeout (15 s), so what each caller holds is
     * fixed while the test asks: past half of it, the caller holding more than its half
     * while another holds some is refused 429 over_share at once, though there is room;
     * the other is not refused over its share. Once Kafka has answered for every send
     * (here: failed it), nothing is held.
     */
    @Test
    void aCallerOverItsShareOfTheUnacknowledgedBytesIsRefusedAtOnce() throws Exception {
        EmbeddedKafkaKraftBroker own = KafkaBroker.start(new EmbeddedKafkaKraftBroker(1, 1, "dumps"));
        ExecutorService callers = Executors.newFixedThreadPool(13);
        try (RunningApp app = RunningApp.start("--forwarder.buffer.type=kafka",
                "--spring.kafka.bootstrap-servers=" + own.getBrokersAsString(),
                "--forwarder.dump-url=" + collector.url(), "--forwarder.ingest.callers.names=flood,steady",
                "--forwarder.buffer.kafka.send-timeout=8s", "--spring.kafka.producer.buffer-memory=200KB",
                "--spring.kafka.producer.properties.max.block.ms=8000",
                "--spring.kafka.producer.properties.request.timeout.ms=1000",
                "--spring.kafka.producer.properties.delivery.timeout.ms=15000",
                "--spring.kafka.consumer.properties.default.api.timeout.ms=1000",
                "--spring.kafka.listener.shutdown-timeout=2s")) {
            Meters meters = app.meters();
            post(app, "flood", 1).expectStatus().isAccepted();
            own.destroy();

            List<Future<Integer>> flood = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                int uid = 100 + i;
                flood.add(callers.submit(() -> post(app, "flood", uid).returnResult(String.class).getStatus().value()));
            }
            await().atMost(WAIT).until(() -> unacknowledged(meters) >= 12 * 9_900);
            Future<Integer> steady = callers
                .submit(() -> post(app, "steady", 200).returnResult(String.class).getStatus().value());
            await().atMost(WAIT).until(() -> unacknowledged(meters) >= 13 * 9_900);

            post(app, "flood", 300).expectStatus()
                .isEqualTo(429)
                .expectHeader()
                .exists("Retry-After")
                .expectBody()
                .jsonPath("$.outcome")
                .isEqualTo("over_share");
            assertThat(steady.get(30, TimeUnit.SECONDS)).as("the steady caller, not over its share").isEqualTo(503);
            for (Future<Integer> answer : flood) {
                assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(503);
            }
            assertThat(meters.count("dumps.received", "caller", "flood", "outcome", "over_share")).isEqualTo(1);
            assertThat(meters.count("dumps.received", "caller", "steady", "outcome", "over_share")).isZero();
            await().atMost(WAIT).untilAsserted(() -> assertThat(unacknowledged(meters)).isZero());
        }
        finally {
            callers.shutdownNow();
        }
    }

    private static WebTestClient.ResponseSpec post(RunningApp app, String caller, int uid) {
        // About 10 KB a dump.
        String body = "{\"uid\":" + uid + ",\"pad\":\"" + "p".repeat(10_000 - 30) + "\"}";
        return app.ingest()
            .post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .header("X-Caller", caller)
            .bodyValue(body)
            .exchange();
    }

    private static long unacknowledged(Meters meters) {
        return (long) meters.gauge("dumps.buffer.unacknowledged.bytes");
    }

    @Test
    void aKilledServiceLosesNothingItAccepted() throws Exception {
        String topic = KafkaBroker.newTopic("crash", 2);
        String group = "g-" + UUID.randomUUID();
        int port = freePort();
        // Nothing listens on the dump URL: every dump stays in Kafka, unsettled.
        Process service = new ProcessBuilder(javaCommand(args(topic, group, "--server.port=" + port,
                "--management.server.port=" + freePort(), "--forwarder.dump-url=http://127.0.0.1:" + freePort() + "/")))
            .redirectErrorStream(true)
            .redirectOutput(new File("target/kafka-killed-service.log"))
            .start();
        try {
            WebTestClient client = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).build();
            await().atMost(WAIT).ignoreExceptions().until(() -> post(client, dump(0)) == 202);
            for (int i = 1; i < 20; i++) {
                assertThat(post(client, dump(i))).isEqualTo(202);
            }
        }
        finally {
            service.destroyForcibly().waitFor();
        }
        collector.reset();

        try (RunningApp restarted = RunningApp.start(args(topic, group, "--forwarder.dump-url=" + collector.url()))) {
            await().atMost(WAIT).until(() -> uids().containsAll(uids(0, 20)));
            assertThat(collector.requests())
                .allSatisfy((request) -> assertThat(request.headers().get("Idempotency-Key")).isNotBlank());
        }
    }

    /**
     * With the application's own session timeout (10 s, not the 45 s of Kafka's default),
     * a killed instance's partitions move to the other one and what waits there is
     * delivered well within 25 s of the kill.
     */
    @Test
    void aKilledInstancesPartitionsMoveToTheOtherWithinSeconds() throws Exception {
        String topic = KafkaBroker.newTopic("takeover", 2);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        List<String> common = List.of("--forwarder.buffer.type=kafka",
                "--spring.kafka.bootstrap-servers=" + KafkaBroker.bootstrapServers(),
                "--forwarder.buffer.kafka.topic=" + topic, "--spring.kafka.consumer.group-id=" + group,
                "--forwarder.dump-url=" + collector.url());
        List<String> killed = new ArrayList<>(common);
        killed.addAll(List.of("--server.port=" + freePort(), "--management.server.port=" + freePort()));
        Process other = new ProcessBuilder(javaCommand(killed.toArray(String[]::new))).redirectErrorStream(true)
            .redirectOutput(new File("target/kafka-takeover-service.log"))
            .start();
        try (RunningApp survivor = RunningApp.start(roundRobin(common.toArray(String[]::new)))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> KafkaBroker.members(group).size() == 2);
            other.destroyForcibly().waitFor();
            long killedAt = System.nanoTime();

            // The group drops the killed member once its session times out; Kafka's
            // default session timeout alone would take 45 s.
            await().atMost(Duration.ofSeconds(25)).until(() -> KafkaBroker.members(group).size() == 1);
            System.out.println("The killed member left the group "
                    + Duration.ofNanos(System.nanoTime() - killedAt).toMillis() + " ms after the kill");
            IntStream.range(0, 20).forEach((i) -> survivor.postJson(dump(i)).expectStatus().isAccepted());
            await().atMost(WAIT).until(() -> uids().containsAll(uids(0, 20)));
        }
        finally {
            other.destroyForcibly().waitFor();
        }
    }

    @Test
    void twoInstancesShareThePartitionsAndDeliverEachDumpOnce() {
        String topic = KafkaBroker.newTopic("shared", 4);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        try (RunningApp first = RunningApp
            .start(roundRobin(args(topic, group, "--forwarder.dump-url=" + collector.url())));
                RunningApp second = RunningApp
                    .start(roundRobin(args(topic, group, "--forwarder.dump-url=" + collector.url())))) {
            await().atMost(WAIT)
                .until(() -> List.copyOf(KafkaBroker.assignments(group).values()).equals(List.of(2, 2)));

            IntStream.range(0, 40).forEach((i) -> first.postJson(dump(i)).expectStatus().isAccepted());

            await().atMost(WAIT).until(() -> collector.requestCount() >= 40);
            assertThat(uidCounts()).hasSize(40).allSatisfy((uid, count) -> assertThat(count).isEqualTo(1));
            assertThat(first.meters().forwarded("success")).isPositive();
            assertThat(second.meters().forwarded("success")).isPositive();
        }
    }

    /**
     * At shutdown the consumer drains before the pipeline stops: a dump whose forwards
     * end without settling it (503) goes on being forwarded through the drain, and is
     * delivered when the collector is back, before the service is gone.
     */
    @Test
    void aDumpKeptForAnotherTryIsForwardedAgainWhileTheConsumerDrains() {
        String topic = KafkaBroker.newTopic("drain", 1);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        collector.answer(503);
        RunningApp app = RunningApp
            .start(args(topic, group, "--forwarder.dump-url=" + collector.url(), "--forwarder.retry.enabled=false",
                    "--resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=1000"));
        CompletableFuture<Void> closed;
        try {
            app.postJson(dump(1)).expectStatus().isAccepted();
            await().atMost(WAIT).until(() -> app.meters().count("dumps.buffer.kept", "outcome", "http_5xx") >= 1);
        }
        finally {
            closed = CompletableFuture.runAsync(app::close);
        }
        int atClose = collector.requestCount();
        // Three more tries, 200 ms apart, once the shutdown began: the queue still takes
        // the dump as the consumer drains.
        await().atMost(WAIT).until(() -> collector.requestCount() >= atClose + 3);
        collector.answer(204);
        int atRecovery = collector.requestCount();

        assertThat(closed).succeedsWithin(WAIT);
        List<TestCollector.Request> after = collector.requests().subList(atRecovery, collector.requestCount());
        assertThat(after).isNotEmpty()
            .allSatisfy((request) -> assertThat(request.headers().get("X-Uid")).isEqualTo("1"));
        collector.reset();
    }

    @Test
    void aRebalanceReDeliversOnlyUnsettledDumps() {
        String topic = KafkaBroker.newTopic("rebalance", 4);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        collector.answer(204, Duration.ofMillis(100));
        try (RunningApp first = RunningApp.start(roundRobin(
                args(topic, group, "--forwarder.dump-url=" + collector.url(), "--forwarder.max-concurrency=4")))) {
            IntStream.range(0, 60).forEach((i) -> first.postJson(dump(i)).expectStatus().isAccepted());
            await().atMost(WAIT).until(() -> first.meters().forwarded("success") >= 10);
            long settledBefore = first.meters().forwarded("success");

            try (RunningApp second = RunningApp
                .start(roundRobin(args(topic, group, "--forwarder.dump-url=" + collector.url())))) {
                await().atMost(WAIT).until(() -> uids().containsAll(uids(0, 60)));
                long duplicates = collector.requestCount() - 60;
                assertThat(duplicates).isLessThanOrEqualTo(60 - settledBefore);
            }
        }
        finally {
            collector.answer(204);
        }
    }

    @Test
    void theOpenBreakerPausesConsumptionWithoutLeavingTheGroup() {
        String topic = KafkaBroker.newTopic("breaker", 1);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        collector.answer(503);
        try (RunningApp app = RunningApp.start(quickBreaker(topic, group, Duration.ofSeconds(4),
                "--spring.kafka.consumer.properties.max.poll.interval.ms=2000"))) {
            IntStream.range(0, 5).forEach((i) -> app.postJson(dump(i)).expectStatus().isAccepted());
            await().atMost(WAIT).until(() -> app.meters().gauge("dumps.buffer.paused") == 1);
            Set<String> members = KafkaBroker.members(group);
            assertThat(members).hasSize(1);

            // Longer than max.poll.interval.ms: a blocked poll loop would have been
            // thrown out of the group.
            await().during(Duration.ofSeconds(3))
                .atMost(WAIT)
                .until(() -> KafkaBroker.members(group).equals(members)
                        && app.meters().gauge("dumps.buffer.paused") == 1);

            collector.answer(204);
            await().atMost(WAIT).until(() -> app.meters().forwarded("success") == 5);
        }
        finally {
            collector.answer(204);
        }
    }

    /**
     * Every dump held by the open breaker expires, so no forward asks the breaker again;
     * it moves to half-open on its own timer, consumption resumes, and a dump accepted
     * once the collector is back is delivered.
     */
    @Test
    void forwardingResumesAfterAnOutageLongerThanTheMaxAge() {
        String topic = KafkaBroker.newTopic("outage", 1);
        String group = "g-" + UUID.randomUUID();
        collector.reset();
        collector.answer(503);
        try (RunningApp app = RunningApp
            .start(quickBreaker(topic, group, Duration.ofSeconds(1), "--forwarder.buffer.kafka.max-age=2s"))) {
            IntStream.range(0, 5).forEach((i) -> app.postJson(dump(i)).expectStatus().isAccepted());
            await().atMost(WAIT).until(() -> app.meters().forwarded("expired") == 5);

            collector.answer(204);
            IntStream.range(5, 8).forEach((i) -> app.postJson(dump(i)).expectStatus().isAccepted());

            await().atMost(WAIT).until(() -> app.meters().forwarded("success") == 3);
            assertThat(uids()).containsAll(uids(5, 8));
            assertThat(app.meters().gauge("dumps.buffer.paused")).isZero();
        }
        finally {
            collector.answer(204);
        }
    }

    @Test
    void aCallersTraceGoesOnThroughKafka() {
        String topic = KafkaBroker.newTopic("traced", 1);
        collector.reset();
        try (OtlpReceiver receiver = new OtlpReceiver();
                RunningApp app = RunningApp.start(args(topic, "g-" + UUID.randomUUID(),
                        "--forwarder.dump-url=" + collector.url(), "--management.tracing.export.enabled=true",
                        "--management.opentelemetry.tracing.export.otlp.endpoint=" + receiver.url(),
                        "--management.opentelemetry.tracing.export.schedule-delay=50ms"))) {
            String traceId = "5af7651916cd43dd8448eb211c80319c";
            app.ingest()
                .post()
                .uri("/v1/dumps")
                .contentType(MediaType.APPLICATION_JSON)
                .header("traceparent", "00-" + traceId + "-b7ad6b7169203331-01")
                .bodyValue(dump(1))
                .exchange()
                .expectStatus()
                .isAccepted();

            OtlpReceiver.Received forward = await().atMost(WAIT)
                .until(() -> receiver.spans()
                    .stream()
                    .filter((span) -> span.traceId().equals(traceId)
                            && span.span().getKind() == Span.SpanKind.SPAN_KIND_CLIENT)
                    .findFirst()
                    .orElse(null), (span) -> span != null);
            OtlpReceiver.Received ingest = receiver.spans()
                .stream()
                .filter((span) -> span.traceId().equals(traceId)
                        && span.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER)
                .findFirst()
                .orElseThrow();
            assertThat(forward.parentSpanId()).isEqualTo(ingest.spanId());
            assertThat(collector.requests().get(0).headers().get("traceparent"))
                .isEqualTo("00-" + traceId + "-" + forward.spanId() + "-01");
        }
    }

    private static String[] args(String topic, String group, String... more) {
        List<String> all = new ArrayList<>(List.of("--forwarder.buffer.type=kafka",
                "--spring.kafka.bootstrap-servers=" + KafkaBroker.bootstrapServers(),
                "--forwarder.buffer.kafka.topic=" + topic, "--spring.kafka.consumer.group-id=" + group,
                "--forwarder.buffer.kafka.redelivery-backoff=200ms",
                // The broker's shortest: a killed member's partitions move on after 6 s,
                // not 45.
                "--spring.kafka.consumer.properties.session.timeout.ms=6000"));
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /**
     * The service on a broker of its own that the test will take away: sends wait at most
     * {@code sendTimeout}, and its Kafka clients close in seconds once the broker is
     * gone.
     */
    private static RunningApp onBrokerToLose(EmbeddedKafkaKraftBroker own, Duration sendTimeout) {
        return onBrokerToLose(own.getBrokersAsString(), sendTimeout);
    }

    private static RunningApp onBrokerToLose(String bootstrapServers, Duration sendTimeout) {
        return RunningApp.start("--forwarder.buffer.type=kafka", "--spring.kafka.bootstrap-servers=" + bootstrapServers,
                "--forwarder.dump-url=" + collector.url(),
                "--forwarder.buffer.kafka.send-timeout=" + sendTimeout.toMillis() + "ms",
                "--spring.kafka.producer.properties.max.block.ms=" + sendTimeout.toMillis(),
                "--spring.kafka.consumer.properties.default.api.timeout.ms=1000",
                "--spring.kafka.producer.properties.request.timeout.ms=1000",
                "--spring.kafka.producer.properties.delivery.timeout.ms=1500",
                "--spring.kafka.listener.shutdown-timeout=2s");
    }

    /**
     * The test collector's service whose breaker opens after two failed forwards and
     * stays open this long; no retries.
     */
    private static String[] quickBreaker(String topic, String group, Duration open, String... more) {
        List<String> all = new ArrayList<>(List.of("--forwarder.dump-url=" + collector.url(),
                "--resilience4j.circuitbreaker.instances.dump.minimum-number-of-calls=2",
                "--resilience4j.circuitbreaker.instances.dump.sliding-window-type=COUNT_BASED",
                "--resilience4j.circuitbreaker.instances.dump.sliding-window-size=2",
                "--resilience4j.circuitbreaker.instances.dump.wait-duration-in-open-state=" + open.toMillis() + "ms",
                "--forwarder.retry.enabled=false"));
        all.addAll(List.of(more));
        return args(topic, group, all.toArray(String[]::new));
    }

    private static String[] roundRobin(String[] args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--spring.kafka.producer.properties.partitioner.class="
                + "org.apache.kafka.clients.producer.RoundRobinPartitioner");
        return all.toArray(String[]::new);
    }

    private static List<String> javaCommand(String[] args) {
        List<String> command = new ArrayList<>(
                List.of(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java", "-cp",
                        System.getProperty("java.class.path"), DumpForwarderApplication.class.getName()));
        command.addAll(List.of(args));
        return command;
    }

    private static int post(WebTestClient client, String body) {
        return client.post()
            .uri("/v1/dumps")
            .contentType(MediaType.APPLICATION_JSON)
            .bodyValue(body)
            .exchange()
            .returnResult(String.class)
            .getStatus()
            .value();
    }

    private static Set<String> uids() {
        return uidCounts().keySet();
    }

    private static Map<String, Long> uidCounts() {
        return collector.requests()
            .stream()
            .map((request) -> request.headers().get("X-Uid"))
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }

    private static List<String> uids(int from, int to) {
        return IntStream.range(from, to).mapToObj(Integer::toString).toList();
    }

    private static String dump(int uid) {
        return "{\"uid\":" + uid + ",\"scene\":\"home\"}";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

}
