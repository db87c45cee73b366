package io.dumpforwarder.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import org.springframework.kafka.test.EmbeddedKafkaKraftBroker;

/**
 * A real single-node Kafka broker (KRaft) in the test JVM on a free port, started on
 * first use and shared by the test classes; each makes its own topics.
 */
public final class KafkaBroker {

    private static EmbeddedKafkaKraftBroker broker;

    private KafkaBroker() {
    }

    /** The broker's bootstrap servers, starting it if need be. */
    public static synchronized String bootstrapServers() {
        if (broker == null) {
            broker = start(new EmbeddedKafkaKraftBroker(1, 1));
        }
        return broker.getBrokersAsString();
    }

    /**
     * Starts a broker set for tests: consumer groups form at once (one offsets partition,
     * no initial rebalance delay) instead of after tens of seconds on a slow machine.
     */
    public static EmbeddedKafkaKraftBroker start(EmbeddedKafkaKraftBroker broker) {
        broker.brokerProperty("offsets.topic.num.partitions", "1");
        broker.brokerProperty("group.initial.rebalance.delay.ms", "0");
        broker.afterPropertiesSet();
        return broker;
    }

    /** A new topic with a unique name. */
    public static String newTopic(String prefix, int partitions) {
        return createTopic(prefix + "-" + UUID.randomUUID().toString().substring(0, 8), partitions);
    }

    /** A new topic of this name. */
    public static String createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            return name;
        }
        catch (Exception ex) {
            throw new IllegalStateException("Topic " + name + " not created", ex);
        }
    }

    /** Every record of the topic, read from the start by a consumer of no group. */
    public static List<ConsumerRecord<byte[], byte[]>> records(String topic) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic)
                .stream()
                .map((info) -> new TopicPartition(topic, info.partition()))
                .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (partitions.stream().anyMatch((p) -> consumer.position(p) < ends.get(p))
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(records::add);
            }
            return records;
        }
    }

    /** A producer of raw records to the broker. */
    public static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    }

    /** The offsets the group committed on the topic, summed over its partitions. */
    public static long committed(String group, String topic) {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata()
                .get(10, TimeUnit.SECONDS);
            return offsets.entrySet()
                .stream()
                .filter((entry) -> entry.getKey().topic().equals(topic) && entry.getValue() != null)
                .mapToLong((entry) -> entry.getValue().offset())
                .sum();
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The group's members now. */
    public static Set<String> members(String group) {
        return describe(group).members().stream().map(MemberDescription::consumerId).collect(Collectors.toSet());
    }

    /** The number of partitions assigned to each member of the group. */
    public static Map<String, Integer> assignments(String group) {
        return describe(group).members()
            .stream()
            .collect(Collectors.toMap(MemberDescription::consumerId,
                    (member) -> member.assignment().topicPartitions().size()));
    }

    private static ConsumerGroupDescription describe(String group) {
        try (Admin admin = admin()) {
            return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group);
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

}
