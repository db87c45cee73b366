package io.dumpforwarder.caller;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import org.springframework.stereotype.Component;

/**
 * Who is calling. With authentication on, the caller its bearer token names (a request
 * without a valid one has none, and is refused); with it off, the caller the
 * {@code forwarder.ingest.callers.header} names when it is one of
 * {@code forwarder.ingest.callers.names}, {@code other} for any other value and
 * {@code unknown} without one. The names are a closed set, known at start-up: they are
 * the {@code caller} label of the meters, so a caller cannot grow their number. The
 * tokens file is read again when it changes ({@link TokensFile}).
 */
@Component
public class Callers implements AutoCloseable {

    /** The caller of a bare token. */
    public static final String DEFAULT = "default";

    /** A caller the header names but the settings do not. */
    public static final String OTHER = "other";

    /** A request that names no caller. */
    public static final String UNKNOWN = "unknown";

    private final CallerAuthentication authentication;

    private final TokensFile tokensFile;

    private final String header;

    private final Set<String> named;

    private final Set<String> all = new LinkedHashSet<>();

    Callers(CallersProperties callers, AuthProperties auth, MeterRegistry registry) {
        this.tokensFile = (auth.enabled() && auth.tokensFile() != null) ? new TokensFile(auth.tokensFile()) : null;
        this.authentication = auth.enabled() ? new CallerAuthentication(auth.tokens(),
                (this.tokensFile != null) ? this.tokensFile.tokens() : List.of()) : null;
        this.header = callers.header();
        this.named = Set.copyOf(callers.names());
        this.all.addAll((this.authentication != null) ? this.authentication.names() : callers.names());
        this.all.addAll(List.of(DEFAULT, OTHER, UNKNOWN));
        checkNamed("rates", callers.rates().keySet());
        checkNamed("weights", callers.weights().keySet());
        if (this.tokensFile != null) {
            this.tokensFile.watch(this.authentication::useFileTokens, registry);
        }
    }

    private void checkNamed(String setting, Set<String> names) {
        for (String name : names) {
            if (!this.all.contains(name)) {
                throw new IllegalStateException("forwarder.ingest.callers." + setting + "." + name
                        + " names no caller: callers are " + String.join(", ", this.all));
            }
        }
    }

    /** Every caller there can be, the label values of the meters. */
    public Set<String> all() {
        return this.all;
    }

    /**
     * The caller of a request with these headers; {@code null} when authentication is on
     * and the request has no valid token.
     */
    public String identify(HttpHeaders headers) {
        if (this.authentication != null) {
            return this.authentication.caller(headers.get(HttpHeaderNames.AUTHORIZATION));
        }
        String name = headers.get(this.header);
        if (name == null) {
            return UNKNOWN;
        }
        return this.named.contains(name) ? name : OTHER;
    }

    @Override
    public void close() {
        if (this.tokensFile != null) {
            this.tokensFile.close();
        }
    }

}
