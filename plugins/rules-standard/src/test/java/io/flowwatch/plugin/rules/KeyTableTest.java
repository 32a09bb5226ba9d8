package io.flowwatch.plugin.rules;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The table must drop exactly the keys an access-ordered {@code LinkedHashMap} bounded the same
 * way would drop (the behaviour {@code max-keys} documents), in every order of hits and new keys.
 */
class KeyTableTest {

    static final class State extends KeyTable.Entry {
        final int id;

        State(int id) {
            this.id = id;
        }
    }

    @Test
    void dropsTheLeastRecentlySeenKeyAndCountsIt() {
        int[] evicted = {0};
        KeyTable<State> t = new KeyTable<>(3, () -> evicted[0]++);
        t.add("a", new State(1));
        t.add("b", new State(2));
        t.add("c", new State(3));
        t.get("a"); // b is now the least recently seen
        t.add("d", new State(4));

        assertThat(t.get("b")).isNull();
        assertThat(evicted[0]).isEqualTo(1);
        assertThat(keys(t)).containsExactly("c", "a", "d");
    }

    @Test
    void aKeySeenAfterEvictionsStartedIsKeptOverOlderOnes() {
        KeyTable<State> t = new KeyTable<>(3, () -> { });
        t.add("a", new State(1));
        t.add("b", new State(2));
        t.add("c", new State(3));
        t.add("d", new State(4)); // sorts a, b, c, d and drops a
        t.get("b");               // b is a candidate from that sort, but seen since
        t.add("e", new State(5)); // must drop c, not b

        assertThat(keys(t)).containsExactly("d", "b", "e");
    }

    @Test
    void behavesLikeAnAccessOrderedLinkedHashMapUnderRandomTraffic() {
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            int max = 1 + random.nextInt(20);
            int universe = max + 1 + random.nextInt(40);
            int[] evicted = {0};
            KeyTable<State> table = new KeyTable<>(max, () -> evicted[0]++);
            int[] expectedEvicted = {0};
            LinkedHashMap<String, Integer> reference = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
                    if (size() > max) {
                        expectedEvicted[0]++;
                        return true;
                    }
                    return false;
                }
            };
            for (int op = 0; op < 2000; op++) {
                // Zipf-like: a few keys come back often, most rarely, as source addresses do.
                String key = "k" + (int) Math.floor(universe * Math.pow(random.nextDouble(), 3));
                State s = table.get(key);
                Integer r = reference.get(key);
                assertThat(s == null).as("round %d op %d: %s held", round, op, key).isEqualTo(r == null);
                if (s == null) {
                    table.add(key, new State(op));
                    reference.put(key, op);
                } else {
                    assertThat(s.id).isEqualTo(r);
                }
            }
            assertThat(keys(table)).as("round %d", round).containsExactlyElementsOf(reference.keySet());
            assertThat(evicted[0]).isEqualTo(expectedEvicted[0]);
        }
    }

    @Test
    void aBoundBelowOneIsRefused() {
        assertThatThrownBy(() -> new KeyTable<State>(0, () -> { })).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Object> keys(KeyTable<State> t) {
        List<Object> keys = new ArrayList<>();
        t.byRecency().forEach(e -> keys.add(e.getKey()));
        return keys;
    }
}
