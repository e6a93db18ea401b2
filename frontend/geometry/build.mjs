// Simplified boundaries for the browser maps: `npm ci && node build.mjs` (or `make geometry` at the root).
// Writes data/derived/geo/japan_prefectures_simplified.geojson and japan_municipalities_simplified.geojson, each with
// a .meta.yaml sidecar (source file and its sha256, what was done, citation 「…を加工して作成」, licence, sha256).
//
// mapshaper simplifies an arc shared by two neighbours once, so neighbours stay gap- and overlap-free (a per-polygon
// simplification would open slivers along every border); no polygon is dropped (keep-shapes). mapshaper writes
// exterior rings counter-clockwise (RFC 7946); d3-geo, which plotly's geo maps use, wants them clockwise, as in the
// source files: rings are reversed here. Coordinates keep 4 decimals, the precision of the raw files, so every point
// written is a point of the raw file, unmoved.
//
// Prefectures: Visvalingam weighted, 30 % of the vertices kept.
//
// Municipalities (1,747 areas from 3 km², 舟橋村, to 2,178 km², 高山市, and ~700 islands): one keep percentage does
// not fit them all. Measured at 20 % weighted (1.25 MB): small municipalities and islands collapse to triangles
// (渡名喜村 −57 % of its area, 早島町 −38 %, the 23 wards of Tokyo jagged), and keep-shapes protects only the largest
// ring of a feature (418 islands vanished at 30 %). So every polygon is simplified on its own scale:
// - `-explode` makes each island a feature of its own (keep-shapes then keeps every island); the parts are put back
//   together per municipality afterwards;
// - tolerance = 5 % of √(area of the polygon) (台東区 160 m, a 100 km² town 500 m), at most 0.67 % of √(area of its
//   prefecture) (東京都 310 m, 大阪府 290 m, 北海道 1.9 km). The page opens a prefecture with its √area 72–335 px
//   wide, so no border moves by more than ~2 px there (median < 1 px) and a small ward keeps its shape;
// - Douglas–Peucker, whose tolerance bounds how far the simplified border lies from the raw one: weighted
//   Visvalingam at the same size cut off thin peninsulas (佐田岬 2.8 km shorter, 79 municipalities' extents shrunk by
//   more than 1 km), which also moves the zoom box of a prefecture;
// - an arc shared by two polygons takes the finer of their tolerances (mapshaper's variable simplification).
// Result: 62,060 of 211,005 points, 1.39 MB (gzip 0.30 MB) instead of 4.56 MB (1.09 MB); area within 5 % for
// every municipality but three (三沢市 7.9 %), median 0.7 %. A flat 5 % capped at 1 km would be 1.27 MB but up to 5 px
// off in 横浜市 or 佐賀市; 4 % capped at 0.67 % of the prefecture 1.57 MB.
// precision=0.001 (≈ 100 m) would save only 8 % of the bytes and move small wards' borders by another ~0.5 px.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import mapshaper from "mapshaper";

const OUT_DIR = "../../data/derived/geo";
const VERSION = mapshaper.internal?.VERSION ?? "0.7.70";
const PREF_KEEP = "30%";
const MUNI_OWN = 0.05; // tolerance: this fraction of √(area of the polygon) ...
const MUNI_PREF = 0.0067; // ... but at most this fraction of √(area of its prefecture) (≈ 2 px at the page's zoom)
const MUNI_INTERVAL = `Math.min(cap_m, Math.sqrt(this.area) * ${MUNI_OWN})`; // this.area: m² (on the sphere)
const HAS_CODE = '-filter "muni_code_5 != null"'; // 所属未定地 (no municipality code) is never drawn

const BUILDS = [
  {
    src: "data/raw/geo/japan_prefectures_dataofjapan.geojson",
    out: "japan_prefectures_simplified.geojson",
    cmd: `-i in.geojson -simplify ${PREF_KEEP} weighted keep-shapes -o out.geojson precision=0.0001`,
    derived: (n, points) =>
      `mapshaper ${VERSION} -simplify ${PREF_KEEP} weighted keep-shapes (shared borders simplified once), ` +
      `coordinates 4 decimals, exterior rings clockwise; ${n} prefectures, ${points} points.`,
    citation: "出典：地球地図日本（国土地理院）を加工して作成",
    licence: "国土地理院コンテンツ利用規約（出典：地球地図日本）",
  },
  {
    src: "data/raw/geo_municipal/japan_municipalities_2021_designated_cities.geojson",
    out: "japan_municipalities_simplified.geojson",
    prepare: addPrefectureCap,
    // The map needs muni_code_5 (featureidkey) and pref_code (the zoom to a prefecture, kpidash/figures_muni.py).
    cmd:
      `-i in.geojson ${HAS_CODE} -filter-fields muni_code_5,pref_code,cap_m -explode ` +
      `-simplify variable interval="${MUNI_INTERVAL}" dp keep-shapes -filter-fields muni_code_5,pref_code ` +
      "-o out.geojson precision=0.0001",
    groupBy: "muni_code_5", // the exploded parts back into one MultiPolygon per municipality
    derived: (n, points, cmd) =>
      `mapshaper ${VERSION} [${cmd.replace(/^-i \S+ | -o .*$/g, "")}] with cap_m = ${MUNI_PREF * 100} % of the ` +
      "square root of the prefecture's area, parts regrouped per municipality. Every island is simplified on its own " +
      `scale (Douglas-Peucker tolerance ${MUNI_OWN * 100} % of the square root of its area, so small wards and ` +
      "island villages keep their shape; at most ~2 px at the zoom the page shows the prefecture; shared borders " +
      "simplified once), because one keep percentage collapses small municipalities to triangles; coordinates 4 " +
      "decimals as in the raw file (no point moves; 3 decimals would save only 8 %), exterior rings clockwise; " +
      `${n} municipalities (所属未定地 and unused properties dropped), ${points} points.`,
    citation: "出典：国土交通省「国土数値情報（行政区域データ）」（令和3年）を加工して作成",
    licence: "国土数値情報ダウンロードサイトコンテンツ利用規約（出典記載・加工明示）",
  },
];

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
const signedArea = (ring) => ring.reduce((s, [x1, y1], i) => {
  const [x2, y2] = ring[(i + 1) % ring.length];
  return s + (x1 * y2 - x2 * y1);
}, 0) / 2;
// Exterior clockwise (negative signed area in lon/lat), holes counter-clockwise.
const orient = (ring, exterior) => ((signedArea(ring) < 0) === exterior ? ring : [...ring].reverse());
const polygonsOf = (g) => (g.type === "MultiPolygon" ? g.coordinates : [g.coordinates]);

// The source with a cap_m property on every feature: MUNI_PREF × √(area of its prefecture) in metres, the areas
// measured by mapshaper itself (this.area, as in the simplification expression).
async function addPrefectureCap(text) {
  const areas = await mapshaper.applyCommands(
    `-i in.geojson ${HAS_CODE} -each "m2 = this.area" -o format=json out.json`,
    { "in.geojson": text },
  );
  const prefM2 = {};
  for (const r of JSON.parse(areas["out.json"])) prefM2[r.pref_code] = (prefM2[r.pref_code] ?? 0) + r.m2;
  const gj = JSON.parse(text);
  for (const f of gj.features) {
    f.properties.cap_m = Math.round(Math.sqrt(prefM2[f.properties.pref_code] ?? 0) * MUNI_PREF);
  }
  return JSON.stringify(gj);
}

// Features with the same `key` property (the parts -explode made) as one MultiPolygon feature, in first-seen order.
function regroup(features, key) {
  const byKey = new Map();
  for (const f of features) {
    const k = f.properties[key];
    if (!byKey.has(k)) {
      byKey.set(k, { type: "Feature", geometry: { type: "MultiPolygon", coordinates: [] }, properties: f.properties });
    }
    byKey.get(k).geometry.coordinates.push(...polygonsOf(f.geometry));
  }
  return [...byKey.values()];
}

for (const b of BUILDS) {
  const src = readFileSync(`../../${b.src}`);
  const text = b.prepare ? await b.prepare(src.toString("utf8")) : src.toString("utf8");
  const out = await mapshaper.applyCommands(b.cmd, { "in.geojson": text });
  const gj = JSON.parse(out["out.geojson"]);
  if (b.groupBy) gj.features = regroup(gj.features, b.groupBy);
  let points = 0;
  for (const f of gj.features) {
    const g = f.geometry;
    const fixed = polygonsOf(g).map((poly) => poly.map((ring, i) => orient(ring, i === 0)));
    points += fixed.flat(2).length;
    g.coordinates = g.type === "MultiPolygon" ? fixed : fixed[0];
  }
  const body = JSON.stringify(gj);
  writeFileSync(`${OUT_DIR}/${b.out}`, body);
  const meta = [
    "# Derived by frontend/geometry/build.mjs from the raw file below; not an input of the warehouse.",
    `file: ${b.out}`,
    `source_file: ${b.src}`,
    `source_sha256: ${sha256(src)}`,
    `derived: ${b.derived(gj.features.length, points, b.cmd)}`,
    `citation_ja: ${b.citation}`,
    `licence: ${b.licence}`,
    `sha256: ${sha256(Buffer.from(body))}`,
    "",
  ].join("\n");
  writeFileSync(`${OUT_DIR}/${b.out}.meta.yaml`, meta);
  const size = Buffer.byteLength(body);
  console.log(`wrote ${OUT_DIR}/${b.out}: ${gj.features.length} features, ${points} points, ${size} bytes`);
}
