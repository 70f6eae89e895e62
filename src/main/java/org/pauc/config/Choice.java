package org.pauc.config;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * An enum setting with the name users type and files store: by default the constant's name in lower case with '-'
 * for '_' ({@code SMALL_CNN} is {@code small-cnn}); an enum overrides {@link #label} where its names differ
 * ({@code cross_view}, {@code kmeans++}).
 */
public interface Choice {
    @JsonValue
    default String label() {
        return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The constant of {@code type} labelled {@code text}; a one-line error naming the flag and the choices otherwise. */
    static <E extends Enum<E> & Choice> E parse(Class<E> type, String flag, String text) {
        for (E e : type.getEnumConstants()) {
            if (e.label().equals(text)) {
                return e;
            }
        }
        throw new IllegalArgumentException(flag + " must be one of " + labels(type) + ", got '" + text + "'");
    }

    static <E extends Enum<E> & Choice> String labels(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(Choice::label).collect(Collectors.joining(", "));
    }
}
