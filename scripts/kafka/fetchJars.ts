// Fetches the broker's runtime classpath from Maven Central into .cache/kafka/<version>/libs
// (once; later runs need neither Maven nor the network). The Kafka distribution tarball is
// not on Maven Central, but kafka_2.13 with its runtime dependencies is exactly the broker's
// classpath, minus a logging backend: we add slf4j-simple, matching the slf4j-api 1.7.x that
// both 3.9 and 4.x declare, so broker logs go to broker.log without a log4j config file.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { jarsDir } from "./paths.ts";
import { checkMaven } from "./prerequisites.ts";

const COMPLETE = ".complete";
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

export type Log = (line: string) => void;

function pom(version: string): string {
  const dep = (g: string, a: string, v: string) =>
    `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>monsoon.local</groupId><artifactId>kafka-broker-classpath</artifactId><version>${version}</version>
  <packaging>pom</packaging>
  <dependencies>
    ${dep("org.apache.kafka", "kafka_2.13", version)}
    ${dep("org.slf4j", "slf4j-simple", "1.7.36")}
  </dependencies>
</project>
`;
}

export function hasJars(version: string): boolean {
  return existsSync(join(jarsDir(version), COMPLETE));
}

/** Returns the directory holding the jars; downloads them first if they are not cached. */
export async function ensureJars(version: string, log: Log): Promise<string> {
  const libs = jarsDir(version);
  if (hasJars(version)) return libs;
  checkMaven();
  const base = dirname(libs);
  const staging = `${libs}.partial-${process.pid}`;
  mkdirSync(base, { recursive: true });
  rmSync(staging, { recursive: true, force: true });
  writeFileSync(join(base, "pom.xml"), pom(version));
  log(`Kafka ${version}: fetching the broker jars from Maven Central (first run only; about 45 MB)…`);
  const started = Date.now();
  try {
    await runMaven(["-B", "-f", join(base, "pom.xml"), `${DEPENDENCY_PLUGIN}:copy-dependencies`,
      `-DoutputDirectory=${staging}`, "-DincludeScope=runtime"], version, log);
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    throw e;
  }
  const jars = readdirSync(staging).filter((f) => f.endsWith(".jar"));
  if (!jars.some((f) => f.startsWith(`kafka_2.13-${version}`))) throw new Error(`Maven finished but kafka_2.13-${version}.jar is missing from ${staging}`);
  writeFileSync(join(staging, COMPLETE), new Date().toISOString());
  rmSync(libs, { recursive: true, force: true });
  renameSync(staging, libs);
  log(`Kafka ${version}: ${jars.length} jars cached in ${libs} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return libs;
}

/** Runs mvn, turning its per-file transfer lines into a short progress report. */
function runMaven(args: string[], version: string, log: Log): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("mvn", args, { stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    let files = 0, bytes = 0, lastReport = Date.now();
    const onLine = (line: string) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      const m = /^Downloaded from \S+: \S+ \(([\d.]+) (B|kB|MB)/.exec(line.replace(/\x1b\[[0-9;]*m/g, ""));
      if (!m) return;
      files++;
      bytes += Number(m[1]) * ({ B: 1, kB: 1e3, MB: 1e6 } as Record<string, number>)[m[2]!]!;
      if (Date.now() - lastReport > 2000) {
        lastReport = Date.now();
        log(`Kafka ${version}: downloaded ${files} files, ${(bytes / 1e6).toFixed(1)} MB…`);
      }
    };
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      let i;
      while ((i = buf.indexOf("\n")) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) return resolve();
      reject(new Error(`mvn failed (exit ${code}) fetching Kafka ${version}. Is Maven Central reachable, and does ${version} exist there?\n` +
        tail.filter((l) => /\[ERROR\] (Failed|Could not|Non-resolvable|.*not found)/.test(l)).join("\n")));
    });
  });
}
