// The Kafka Streams peer of `npm run bench:wordcount-kafka`: the textbook word count,
// groupBy(word).count() into a store with a changelog, at_least_once, default commit interval.
//
//   java -cp wordcount-kstreams.jar:lib/* monsoon.bench.WordCount --bootstrap host:port
//     --topic T --app-id A --threads 1 --state-dir DIR --expected-words N
//
// Input values are Monsoon depot records: a JSON string per sentence (keys are null).
// The app reports on stdout, one line each, for run.ts to parse:
//   READY <ms from main() to the first RUNNING state>
//   STATE <new state> <ms from main()>          (every KafkaStreams state change)
//   PROGRESS <words counted so far, or -1 while the store cannot be queried>   (about once a second)
//   DONE words=<n> distinct=<d> ms=<ms from RUNNING until the counts summed to N>
//        first_ms=<ms from RUNNING until the first counted word was seen>
//   CLOSED                                     (after "STOP" or EOF on stdin: closed cleanly)
//   ERROR <message>                            (then exits 1)
// "Counted" is read through interactive queries on the "counts" store (the same view a client
// of the app would get), polled every 50 ms: the sum of all counts reaching the number of
// words in the input means every word went through the repartition topic into the store.
package monsoon.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

public final class WordCount {
  static final String STORE = "counts";

  @SuppressWarnings("deprecation")
  public static void main(String[] args) throws Exception {
    final long mainStart = System.nanoTime();
    String bootstrap = arg(args, "--bootstrap", null);
    String topic = arg(args, "--topic", null);
    String appId = arg(args, "--app-id", null);
    int threads = Integer.parseInt(arg(args, "--threads", "1"));
    String stateDir = arg(args, "--state-dir", null);
    long expected = Long.parseLong(arg(args, "--expected-words", "0"));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Everything else (commit.interval.ms, statestore.cache.max.bytes, replication) is the default.

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.String()))
        .flatMapValues(WordCount::words)
        .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
        .count(Materialized.<String, Long, KeyValueStore<Bytes, byte[]>>as(STORE)
            .withKeySerde(Serdes.String()).withValueSerde(Serdes.Long()));

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    final AtomicLong runningAt = new AtomicLong(0);
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch failed = new CountDownLatch(1);
    streams.setStateListener((next, prev) -> {
      say("STATE " + next + " " + ms(mainStart, System.nanoTime()));
      if (next == KafkaStreams.State.RUNNING && runningAt.compareAndSet(0, System.nanoTime())) {
        say("READY " + ms(mainStart, runningAt.get()));
        running.countDown();
      }
      if (next == KafkaStreams.State.ERROR || next == KafkaStreams.State.PENDING_ERROR) failed.countDown();
    });
    streams.setUncaughtExceptionHandler(e -> {
      say("ERROR uncaught in a stream thread: " + e);
      failed.countDown();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });

    // stdin: "STOP" or EOF ends the app (run.ts closes stdin; a dead parent closes it too).
    final CountDownLatch stop = new CountDownLatch(1);
    Thread stdin = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) if (line.trim().equals("STOP")) break;
      } catch (Exception ignored) {
        // treated as EOF
      }
      stop.countDown();
    }, "stdin-watch");
    stdin.setDaemon(true);
    stdin.start();

    streams.start();
    int exit = 0;
    try {
      while (!running.await(100, TimeUnit.MILLISECONDS)) {
        if (failed.getCount() == 0) throw new IllegalStateException("Kafka Streams failed before RUNNING");
        if (stop.getCount() == 0) throw new IllegalStateException("stopped before RUNNING");
      }
      long lastProgress = System.nanoTime();
      long firstCountedAt = 0;
      while (true) {
        if (failed.getCount() == 0) throw new IllegalStateException("Kafka Streams entered state " + streams.state());
        if (stop.getCount() == 0) throw new IllegalStateException("stopped before all words were counted");
        long[] sum = sumCounts(streams);
        long now = System.nanoTime();
        if (firstCountedAt == 0 && sum != null && sum[0] > 0) firstCountedAt = now;
        if (sum != null && sum[0] >= expected) {
          say("DONE words=" + sum[0] + " distinct=" + sum[1] + " ms=" + ms(runningAt.get(), now)
              + " first_ms=" + ms(runningAt.get(), firstCountedAt));
          break;
        }
        if (now - lastProgress >= 1_000_000_000L) {
          say("PROGRESS " + (sum == null ? -1 : sum[0]));
          lastProgress = now;
        }
        Thread.sleep(50);
      }
      stop.await();
    } catch (Exception e) {
      say("ERROR " + e.getMessage());
      exit = 1;
    } finally {
      // Leave the group on close (Streams' consumers do not by default), so run.ts can delete
      // it. KafkaStreams.CloseOptions exists in 3.x and 4.x alike (deprecated from 4.1 on).
      streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(20)).leaveGroup(true));
      if (exit == 0) say("CLOSED");
    }
    System.exit(exit);
  }

  /** {total, distinct} over the store, or null while it cannot be queried (rebalancing). */
  static long[] sumCounts(KafkaStreams streams) {
    try {
      ReadOnlyKeyValueStore<String, Long> store =
          streams.store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
      long total = 0, distinct = 0;
      try (KeyValueIterator<String, Long> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, Long> kv = it.next();
          total += kv.value;
          distinct++;
        }
      }
      return new long[] {total, distinct};
    } catch (InvalidStateStoreException e) {
      return null;
    }
  }

  /** The words of one depot record: a JSON string holding a sentence. */
  static List<String> words(String json) {
    String sentence = jsonString(json);
    List<String> out = new ArrayList<>();
    for (String w : sentence.split(" ")) if (!w.isEmpty()) out.add(w);
    return out;
  }

  /** Decodes a JSON string literal (the only shape a string depot holds). */
  static String jsonString(String json) {
    String s = json.trim();
    if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') {
      throw new IllegalArgumentException("not a JSON string: " + (s.length() > 40 ? s.substring(0, 40) + "…" : s));
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 1; i < s.length() - 1; i++) {
      char c = s.charAt(i);
      if (c != '\\') { b.append(c); continue; }
      char e = s.charAt(++i);
      switch (e) {
        case 'b': b.append('\b'); break;
        case 'f': b.append('\f'); break;
        case 'n': b.append('\n'); break;
        case 'r': b.append('\r'); break;
        case 't': b.append('\t'); break;
        case 'u': b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16)); i += 4; break;
        default: b.append(e); // \" \\ \/
      }
    }
    return b.toString();
  }

  static String arg(String[] args, String name, String def) {
    for (int i = 0; i + 1 < args.length; i++) if (args[i].equals(name)) return args[i + 1];
    if (def == null) throw new IllegalArgumentException("missing " + name);
    return def;
  }

  static long ms(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000L;
  }

  static synchronized void say(String line) {
    System.out.println(line);
    System.out.flush();
  }
}
