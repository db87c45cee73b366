package io.dumpforwarder.support;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * Binds one settings record from an environment, at the prefix its
 * {@link ConfigurationProperties} names, as the application binds it at start-up (without
 * the validation, which a start shows).
 */
public final class Settings {

    private Settings() {
    }

    public static <T> T bind(Environment environment, Class<T> type) {
        String prefix = type.getAnnotation(ConfigurationProperties.class).value();
        return Binder.get(environment).bindOrCreate(prefix, type);
    }

}
