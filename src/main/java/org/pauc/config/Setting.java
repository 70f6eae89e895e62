package org.pauc.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Documents one training setting where it is declared: a component of one of {@link TrainConfig}'s records. Its
 * flag is the component's name in kebab case ({@code weightDecay} is {@code --weight-decay}); {@link Settings}
 * reads these annotations to build the command line's options, to apply an experiment spec's values and to check
 * every configuration against its range, whatever its source.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Setting {
    /** One sentence for {@code --help} and the flag table of docs/commands.md. */
    String value();

    /** Smallest allowed value (numbers, and every element of a list). */
    double min() default Double.NEGATIVE_INFINITY;

    /** Largest allowed value. */
    double max() default Double.POSITIVE_INFINITY;

    /** Whether {@link #min()} itself is excluded. */
    boolean minExclusive() default false;

    /** The placeholder in {@code --help}, e.g. DIR. */
    String label() default "";
}
