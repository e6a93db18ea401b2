// Simplified prefecture boundaries for the browser map: `npm ci && node build.mjs` (or `make geometry` at the root).
//
// mapshaper simplifies arcs shared by two prefectures once, so neighbours stay gap- and overlap-free (a per-polygon
// simplification would open slivers along every border). Visvalingam weighted, 30 % of the vertices kept, no polygon
// dropped (keep-shapes). mapshaper writes exterior rings counter-clockwise (RFC 7946); d3-geo, which plotly's geo
// maps use, wants them clockwise, as in the source file: rings are reversed here.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import mapshaper from "mapshaper";

const SRC = "../../data/raw/geo/japan_prefectures_dataofjapan.geojson";
const OUT_DIR = "../../data/derived/geo";
const OUT = "japan_prefectures_simplified.geojson";
const KEEP = "30%";

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
const signedArea = (ring) => ring.reduce((s, [x1, y1], i) => {
  const [x2, y2] = ring[(i + 1) % ring.length];
  return s + (x1 * y2 - x2 * y1);
}, 0) / 2;
// Exterior clockwise (negative signed area in lon/lat), holes counter-clockwise.
const orient = (ring, exterior) => ((signedArea(ring) < 0) === exterior ? ring : [...ring].reverse());

const src = readFileSync(SRC);
const cmd = `-i in.geojson -simplify ${KEEP} weighted keep-shapes -o out.geojson precision=0.0001`;
const out = await mapshaper.applyCommands(cmd, { "in.geojson": src.toString("utf8") });
const gj = JSON.parse(out["out.geojson"]);
let points = 0;
for (const f of gj.features) {
  const g = f.geometry;
  const polys = g.type === "MultiPolygon" ? g.coordinates : [g.coordinates];
  const fixed = polys.map((poly) => poly.map((ring, i) => orient(ring, i === 0)));
  points += fixed.flat(2).length;
  g.coordinates = g.type === "MultiPolygon" ? fixed : fixed[0];
}
const body = JSON.stringify(gj);
writeFileSync(`${OUT_DIR}/${OUT}`, body);
const meta = [
  "# Derived by frontend/geometry/build.mjs from the raw file below; not an input of the warehouse.",
  `file: ${OUT}`,
  "source_file: data/raw/geo/japan_prefectures_dataofjapan.geojson",
  `source_sha256: ${sha256(src)}`,
  `derived: mapshaper ${mapshaper.internal?.VERSION ?? "0.7.70"} -simplify ${KEEP} weighted keep-shapes (shared borders simplified once), coordinates 4 decimals, exterior rings clockwise; ${gj.features.length} prefectures, ${points} points.`,
  "citation_ja: 出典：地球地図日本（国土地理院）を加工して作成",
  "licence: 国土地理院コンテンツ利用規約（出典：地球地図日本）",
  `sha256: ${sha256(Buffer.from(body))}`,
  "",
].join("\n");
writeFileSync(`${OUT_DIR}/${OUT}.meta.yaml`, meta);
console.log(`wrote ${OUT_DIR}/${OUT}: ${gj.features.length} features, ${points} points, ${body.length} bytes`);
