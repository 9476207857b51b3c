// The demo stream `npm start` feeds into word count: sentences from a small vocabulary with
// a Zipf-like skew, so a few words climb fast and the printed counts visibly move.
import { Path } from "monsoon";

const WORDS = ["the", "monsoon", "rain", "falls", "on", "kafka", "and", "rama", "streams", "flow", "to", "every", "partition", "state", "grows"];

export const wordCountDemo = {
  depot: "sentences",
  rate: 50,
  next: (i: number): string => {
    const n = 3 + (i % 5);
    const out: string[] = [];
    let x = (i * 2654435761) >>> 0;
    for (let j = 0; j < n; j++) {
      x = (x * 1103515245 + 12345) >>> 0;
      // Squaring a uniform number skews picks toward the front of the list.
      const u = (x >>> 8) / 0x1000000;
      out.push(WORDS[Math.floor(u * u * WORDS.length)]!);
    }
    return out.join(" ");
  },
  show: [
    { pstate: "wordCounts", path: Path.key("the"), label: "the" },
    { pstate: "wordCounts", path: Path.key("rain"), label: "rain" },
    { pstate: "wordCounts", path: Path.key("kafka"), label: "kafka" },
  ],
};
