package org.pauc.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The settings of {@link TrainConfig} as a table read from its records: each component of a group record is one
 * setting, named by its flag (the component's name in kebab case), documented and range-checked by its
 * {@link Setting} annotation. This is the one place where flags become configuration values: the command line
 * gives text ({@link #parse}), an experiment spec gives JSON ({@link #apply}); both are type-checked strictly and
 * the result is range-checked by {@link TrainConfig}'s constructor.
 */
public final class Settings {

    private Settings() {}

    /** A group of settings: the name of its component in {@link TrainConfig}, its record type, its components. */
    public record Group(String name, Class<?> type, List<String> components) {}

    /** One setting: its flag (without dashes), its group, its record component and documentation. */
    public record Entry(String flag, Group group, int index, RecordComponent component, Setting doc) {

        /** The setting's value in {@code cfg}. */
        public Object value(TrainConfig cfg) {
            return read(component, read(TrainConfig.class.getRecordComponents()[groupIndex(group)], cfg));
        }

        /** The value as a user would type it. */
        public String text(TrainConfig cfg) {
            return format(value(cfg));
        }

        /** Help text: the description, the default and the range. */
        public String help() {
            String range = range(doc);
            return doc.value() + " (default: " + text(TrainConfig.DEFAULTS) + (range.isEmpty() ? "" : "; " + range) + ").";
        }

        public String paramLabel() {
            if (!doc.label().isEmpty()) {
                return doc.label();
            }
            Object[] choices = component.getType().getEnumConstants();
            return choices != null ? Arrays.stream(choices).map(c -> ((Choice) c).label()).collect(Collectors.joining("|"))
                    : "<" + flag + ">";
        }
    }

    private static final List<Group> GROUPS;
    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        List<Group> groups = new ArrayList<>();
        for (RecordComponent g : TrainConfig.class.getRecordComponents()) {
            Class<?> type = g.getType();
            RecordComponent[] cs = type.getRecordComponents();
            Group group = new Group(g.getName(), type, Arrays.stream(cs).map(RecordComponent::getName).toList());
            groups.add(group);
            for (int i = 0; i < cs.length; i++) {
                Setting doc = cs[i].getAnnotation(Setting.class);
                if (doc == null) {
                    throw new IllegalStateException(type.getSimpleName() + "." + cs[i].getName() + " has no @Setting");
                }
                String flag = kebab(cs[i].getName());
                if (ENTRIES.put(flag, new Entry(flag, group, i, cs[i], doc)) != null) {
                    throw new IllegalStateException("two settings are named --" + flag);
                }
            }
        }
        GROUPS = List.copyOf(groups);
    }

    public static List<Group> groups() {
        return GROUPS;
    }

    /** Every setting, in the order of the records. */
    public static List<Entry> all() {
        return List.copyOf(ENTRIES.values());
    }

    /** The setting called {@code flag} (with or without leading dashes), or null. */
    public static Entry find(String flag) {
        return ENTRIES.get(flag.startsWith("--") ? flag.substring(2) : flag);
    }

    /** {@code weightDecay} → {@code weight-decay}. */
    public static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /**
     * {@code base} with the given settings changed, all at once (so that settings checked together, such as
     * --crop-min and --crop-max, may change together). Keys are flags without dashes; values are JSON as an
     * experiment spec holds them, or text nodes from the command line ({@link #parse}).
     */
    public static TrainConfig apply(TrainConfig base, Map<String, JsonNode> changes) {
        Object[] groups = new Object[GROUPS.size()];
        for (int g = 0; g < groups.length; g++) {
            groups[g] = read(TrainConfig.class.getRecordComponents()[g], base);
        }
        Map<Integer, Object[]> touched = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> c : changes.entrySet()) {
            Entry e = find(c.getKey());
            if (e == null) {
                throw new IllegalArgumentException("unknown setting '" + c.getKey() + "'");
            }
            int g = groupIndex(e.group());
            Object[] values = touched.computeIfAbsent(g, k -> components(groups[k]));
            values[e.index()] = convert(e, c.getValue());
            checkValue(e.component(), values[e.index()]);
        }
        touched.forEach((g, values) -> groups[g] = construct(GROUPS.get(g).type(), values));
        return (TrainConfig) construct(TrainConfig.class, groups);
    }

    /**
     * {@code base} with settings changed from Java values, by flag: {@code set(DEFAULTS, Map.of("epochs", 3))}.
     * Choices may be given as constants or labels.
     */
    public static TrainConfig set(TrainConfig base, Map<String, ?> values) {
        Map<String, JsonNode> json = new LinkedHashMap<>();
        values.forEach((k, v) -> json.put(k, TrainConfig.json().valueToTree(v)));
        return apply(base, json);
    }

    /** Command-line text as the JSON value of setting {@code e}: numbers and lists typed, other text as text. */
    public static JsonNode parse(Entry e, String text) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        Class<?> t = e.component().getType();
        try {
            if (t == int.class || t == long.class) {
                return f.numberNode(Long.parseLong(text.trim()));
            }
            if (t == double.class) {
                return f.numberNode(Double.parseDouble(text.trim()));
            }
            if (t == List.class) {
                ArrayNode a = f.arrayNode();
                for (String part : text.split(",", -1)) {
                    a.add(Long.parseLong(part.trim()));
                }
                return a;
            }
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("--" + e.flag() + " expects " + typeWord(e) + ", got '" + text + "'");
        }
        return f.textNode(text);
    }

    /** Throws a one-line error naming the flag when a value of any group is outside its documented range. */
    static void checkRanges(Record... groups) {
        for (Record r : groups) {
            if (r == null) {
                throw new IllegalArgumentException("a group of settings is missing");
            }
            for (RecordComponent c : r.getClass().getRecordComponents()) {
                checkValue(c, read(c, r));
            }
        }
    }

    private static void checkValue(RecordComponent c, Object v) {
        Setting s = c.getAnnotation(Setting.class);
        if (v instanceof List<?> list) {
            for (Object x : list) {
                checkRange(c, s, x);
            }
        } else {
            checkRange(c, s, v);
        }
    }

    private static void checkRange(RecordComponent c, Setting s, Object v) {
        if (v == null) {
            if (c.getType().isPrimitive() || c.getType().isEnum() || c.getType() == List.class) {
                throw new IllegalArgumentException("--" + kebab(c.getName()) + " is missing");
            }
            return;
        }
        if (!(v instanceof Number n)) {
            return;
        }
        double x = n.doubleValue();
        boolean lowOk = s.minExclusive() ? x > s.min() : x >= s.min();
        if (!lowOk || !(x <= s.max())) {
            throw new IllegalArgumentException("--" + kebab(c.getName()) + " must be " + range(s) + ", got " + format(v));
        }
    }

    private static String range(Setting s) {
        boolean lo = s.min() != Double.NEGATIVE_INFINITY;
        boolean hi = s.max() != Double.POSITIVE_INFINITY;
        String min = format(s.min());
        String max = format(s.max());
        if (lo && hi) {
            return (s.minExclusive() ? "in (" : "in [") + min + ", " + max + "]";
        }
        if (lo) {
            return (s.minExclusive() ? "> " : "≥ ") + min;
        }
        return hi ? "≤ " + max : "";
    }

    private static String typeWord(Entry e) {
        Class<?> t = e.component().getType();
        if (t == int.class || t == long.class) {
            return "an integer";
        }
        if (t == double.class) {
            return "a number";
        }
        if (t == List.class) {
            return "a comma-separated list of integers";
        }
        if (t.isEnum()) {
            return "one of " + e.paramLabel().replace("|", ", ");
        }
        return "text";
    }

    /** A JSON value as the type of setting {@code e}, strictly: no numbers as text, no fractions for integers. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Object convert(Entry e, JsonNode v) {
        Class<?> t = e.component().getType();
        String flag = "--" + e.flag();
        IllegalArgumentException wrong = new IllegalArgumentException(flag + " expects " + typeWord(e) + ", got "
                + (v == null ? "nothing" : v.toString()));
        if (v == null || v.isNull()) {
            if (t == String.class && e.doc().label().equals("DIR")) {
                return null;
            }
            throw wrong;
        }
        if (t == int.class) {
            if (!v.isIntegralNumber() || !v.canConvertToInt()) {
                throw v.isIntegralNumber() ? new IllegalArgumentException(flag + " is out of range: " + v) : wrong;
            }
            return v.intValue();
        }
        if (t == long.class) {
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw wrong;
            }
            return v.longValue();
        }
        if (t == double.class) {
            if (!v.isNumber()) {
                throw wrong;
            }
            return v.doubleValue();
        }
        if (t == List.class) {
            if (!v.isArray() || v.isEmpty()) {
                throw wrong;
            }
            Class<?> element = (Class<?>) ((ParameterizedType) e.component().getGenericType()).getActualTypeArguments()[0];
            List<Object> out = new ArrayList<>();
            for (JsonNode x : v) {
                if (element != Integer.class || !x.isIntegralNumber() || !x.canConvertToInt()) {
                    throw wrong;
                }
                out.add(x.intValue());
            }
            return List.copyOf(out);
        }
        if (!v.isTextual()) {
            throw wrong;
        }
        if (t.isEnum()) {
            return Choice.parse((Class) t, flag, v.textValue());
        }
        return v.textValue();
    }

    private static int groupIndex(Group g) {
        return GROUPS.indexOf(g);
    }

    private static Object read(RecordComponent c, Object record) {
        try {
            return c.getAccessor().invoke(record);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object[] components(Object record) {
        RecordComponent[] cs = record.getClass().getRecordComponents();
        Object[] values = new Object[cs.length];
        for (int i = 0; i < cs.length; i++) {
            values[i] = read(cs[i], record);
        }
        return values;
    }

    private static Object construct(Class<?> type, Object[] values) {
        Class<?>[] types = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            return type.getDeclaredConstructor(types).newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A value as a user types it: 0.0001 rather than 1.0E-4, labels for choices, commas between list elements. */
    public static String format(Object v) {
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return d.toString();
            }
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        if (v instanceof Choice c) {
            return c.label();
        }
        if (v instanceof List<?> l) {
            return String.join(",", l.stream().map(String::valueOf).toList());
        }
        return String.valueOf(v);
    }
}
