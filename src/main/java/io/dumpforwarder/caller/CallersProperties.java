package io.dumpforwarder.caller;

import java.util.List;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who is calling ({@code forwarder.ingest.callers.*}): with authentication on, the name
 * its token carries; else the header below, when it names a configured caller. Only these
 * names, {@code default}, {@code other} and {@code unknown} ever become a {@code caller}
 * label.
 *
 * @param header with authentication off, the request header that names the caller; a
 * value that is not one of {@code names} is {@code other}, none is {@code unknown}
 * @param names the callers the header may name (at most 64; letters, digits, '.', '_' and
 * '-')
 * @param rates optional quotas by caller name: a token bucket of {@code rate} dumps a
 * second and {@code burst} at most; past it a request is refused 429
 * {@code caller_rate_limited} with the bucket's own Retry-After
 * @param fairShareFrom how full the queue (in dumps or bytes, whichever is fuller), the
 * body budget or the Kafka producer's unacknowledged bytes are before a caller holding
 * more than its share of them is refused 429 {@code over_share}
 * @param weights each caller's weight in the shares of the queue and in the turns the
 * pipeline takes from it; 1 for a caller not listed
 */
@Validated
@ConfigurationProperties("forwarder.ingest.callers")
// @formatter:off
public record CallersProperties(
        @DefaultValue("X-Caller") @NotBlank String header,
        @DefaultValue @Size(max = 64) List<@Pattern(regexp = CALLER_NAME) String> names,
        @DefaultValue Map<String, @Valid CallerRate> rates,
        @DefaultValue("0.5") @DecimalMin("0.0") @DecimalMax("1.0") double fairShareFrom,
        @DefaultValue Map<String, @Positive Integer> weights) {
    // @formatter:on

    /** What a caller's name may be made of. */
    public static final String CALLER_NAME = "[A-Za-z0-9._-]{1,64}";

    /**
     * One caller's quota ({@code forwarder.ingest.callers.rates.<name>.*}).
     *
     * @param rate dumps a second, on average
     * @param burst dumps at most at once (the bucket's size); at least the largest
     * request's number of dumps, else such a request is always refused
     */
    // @formatter:off
    public record CallerRate(
            @Positive int rate,
            @Positive int burst) {
        // @formatter:on
    }

}
