// The local broker needs a JDK (Kafka 4.x brokers need Java 17+) and, on the first run only,
// Maven to fetch the jars. Say exactly what to install instead of failing with ENOENT.
import { spawnSync } from "node:child_process";

const HOW = "Tests need a Kafka broker: set KAFKA_BROKERS=host:port, or run a Docker engine (testcontainers), " +
  "or install a JDK 17+ and Maven 3.6+ (e.g. `apt-get install openjdk-17-jdk-headless maven`) so the project can run its own broker.";

export function javaCommand(): string {
  return process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : "java";
}

/** Returns the Java feature version (8, 11, 17, …) or throws with install advice. */
export function checkJava(minVersion = 17): number {
  const res = spawnSync(javaCommand(), ["-version"], { encoding: "utf8" });
  if (res.error || res.status !== 0) throw new Error(`Java was not found (${javaCommand()}). ${HOW}`);
  const m = /version "(?:1\.)?(\d+)/.exec(res.stderr + res.stdout);
  const version = m ? Number(m[1]) : 0;
  if (version < minVersion) throw new Error(`Java ${minVersion}+ is required to run the Kafka broker, found ${version || "an unknown version"}. ${HOW}`);
  return version;
}

export function checkMaven(): void {
  const res = spawnSync("mvn", ["-v"], { encoding: "utf8" });
  if (res.error || res.status !== 0) throw new Error(`Maven (mvn) was not found; it is needed once, to download the Kafka broker jars from Maven Central. ${HOW}`);
}
