"""Data tests run after every build and by ``python -m etl check``. Each failure names indicator, region and period.

``notes`` are informational lines printed by both next to the checks (they never fail a build), e.g. which SSDSE-B
edition supplies which years and every cell in which two editions differ."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kpidash.config import TOKYO_AREA_CODES

TKY = ", ".join(f"'{c}'" for c in TOKYO_AREA_CODES)
# Sums of integers stored as doubles: allow rounding noise only.
TOL = "(0.5 + 1e-9 * abs(a.value))"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def check_unique_keys(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = _rows(
        con,
        """SELECT indicator_id, region_code, period, count(*) FROM marts.observations
                         GROUP BY ALL HAVING count(*) > 1 LIMIT 50""",
    )
    return [f"duplicate key: {i} / {r} / {p} appears {n} times" for i, r, p, n in rows]


def check_not_null(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = _rows(
        con,
        """SELECT indicator_id, region_code, period FROM marts.observations
                         WHERE indicator_id IS NULL OR region_code IS NULL OR period IS NULL OR value IS NULL
                            OR isnan(value) OR isinf(value) OR source_id IS NULL LIMIT 50""",
    )
    return [f"null or non-finite value: {i} / {r} / {p}" for i, r, p in rows]


def check_references(con: duckdb.DuckDBPyConnection) -> list[str]:
    out = []
    for i, r, p in _rows(
        con,
        """SELECT indicator_id, region_code, period FROM marts.observations o
                                WHERE NOT EXISTS (SELECT 1 FROM marts.regions g WHERE g.region_code = o.region_code)
                                LIMIT 20""",
    ):
        out.append(f"unknown region: {i} / {r} / {p}")
    for (i,) in _rows(
        con,
        """SELECT DISTINCT indicator_id FROM marts.observations o
                             WHERE NOT EXISTS (SELECT 1 FROM marts.indicators d WHERE d.indicator_id = o.indicator_id) LIMIT 20""",
    ):
        out.append(f"observations for an undefined indicator: {i}")
    for i, s in _rows(
        con,
        """SELECT DISTINCT indicator_id, source_id FROM marts.indicators d
                             WHERE NOT EXISTS (SELECT 1 FROM marts.sources s WHERE s.source_id = d.source_id) LIMIT 20""",
    ):
        out.append(f"indicator {i} names unknown source {s}")
    for (i,) in _rows(con, "SELECT indicator_id FROM marts.indicators WHERE first_period IS NULL"):
        out.append(f"indicator {i} has no observations")
    return out


def check_47_prefectures(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = _rows(
        con,
        """WITH cov AS (
               SELECT o.indicator_id, o.period, count(DISTINCT o.region_code) AS n
               FROM marts.observations o JOIN marts.regions r USING (region_code)
               WHERE r.level = 'prefecture' GROUP BY ALL)
           SELECT c.indicator_id, c.period, c.n,
                  (SELECT list(r.region_code ORDER BY r.region_code) FROM marts.regions r
                   WHERE r.level = 'prefecture' AND NOT EXISTS (
                     SELECT 1 FROM marts.observations o WHERE o.indicator_id = c.indicator_id
                     AND o.period = c.period AND o.region_code = r.region_code))[:5] AS missing
           FROM cov c WHERE c.n <> 47 ORDER BY 1, 2 LIMIT 50""",
    )
    return [f"{i} / {p}: {n} of 47 prefectures (missing e.g. {', '.join(m)})" for i, p, n, m in rows]


def check_aggregates(con: duckdb.DuckDBPyConnection) -> list[str]:
    out = []
    rows = _rows(
        con,
        f"""WITH parts AS (
               SELECT indicator_id, period,
                      sum(value) FILTER (WHERE region_code IN ({TKY})) AS tky,
                      sum(value) FILTER (WHERE region_code NOT IN ({TKY})) AS ntk,
                      sum(value) AS nat
               FROM marts.observations o JOIN marts.regions r USING (region_code)
               WHERE r.level = 'prefecture' GROUP BY ALL)
           SELECT a.indicator_id, a.region_code, a.period, a.value,
                  CASE a.region_code WHEN 'TKY' THEN p.tky WHEN 'NTK' THEN p.ntk ELSE p.nat END AS expected,
                  a.derivation
           FROM marts.observations a JOIN parts p USING (indicator_id, period)
           JOIN marts.indicators i USING (indicator_id)
           WHERE a.region_code IN ('TKY', 'NTK', '00') AND i.additive
             AND abs(a.value - expected) > {TOL}
           ORDER BY 1, 3 LIMIT 50""",
    )
    for i, r, p, v, e, d in rows:
        what = "national row from the source" if d == "source" else "aggregate"
        out.append(f"{i} / {r} / {p}: {what} {v:,.0f} differs from the sum of prefectures {e:,.0f}")
    for i, r in _rows(
        con,
        """SELECT DISTINCT o.indicator_id, o.region_code FROM marts.observations o
                             JOIN marts.indicators i USING (indicator_id)
                             WHERE NOT i.additive AND o.region_code IN ('TKY', 'NTK', '00')
                               AND o.derivation <> 'derived' LIMIT 20""",
    ):
        out.append(f"{i} / {r}: non-additive indicator must not have summed aggregate rows")
    return out


def check_published_tokyo_area_migration(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Our 東京圏 sums must equal the 東京圏 rows the migration report publishes (2017 onwards)."""
    rows = _rows(
        con,
        """SELECT m.year, m.nationality, m.sex, m.net_migration, o.value
           FROM staging.stg_migration_published_tky m
           JOIN marts.observations o ON o.region_code = 'TKY' AND o.period = m.year
            AND o.indicator_id = 'net_migration_' || CASE m.nationality WHEN 'japanese' THEN 'jp' ELSE 'all' END
                                 || CASE m.sex WHEN 'female' THEN '_f' WHEN 'male' THEN '_m' ELSE '' END
           WHERE m.net_migration <> o.value""",
    )
    return [
        f"net_migration ({n}, {s}) / TKY / {y}: sum {v:,.0f} ≠ published 東京圏 {pub:,.0f}" for y, n, s, pub, v in rows
    ]


def check_municipalities_sum_to_prefectures(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = _rows(
        con,
        """SELECT a.indicator_id, a.region_code, a.period, a.value, m.s
           FROM marts.observations a
           JOIN (SELECT o.indicator_id, r.parent_code, o.period, sum(o.value) AS s
                 FROM marts.observations o JOIN marts.regions r USING (region_code)
                 WHERE r.level = 'municipality' GROUP BY ALL) m
             ON m.indicator_id = a.indicator_id AND m.parent_code = a.region_code AND m.period = a.period
           WHERE a.value <> m.s LIMIT 50""",
    )
    return [f"{i} / {r} / {p}: prefecture {v:,.0f} ≠ sum of its municipalities {s:,.0f}" for i, r, p, v, s in rows]


def check_ranges(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = _rows(
        con,
        """SELECT o.indicator_id, o.region_code, o.period, o.value, i.unit
           FROM marts.observations o JOIN marts.indicators i USING (indicator_id)
           WHERE (i.additive AND o.value < 0 AND o.indicator_id NOT LIKE 'net_migration%')
              OR (i.unit = '%' AND (o.value < 0 OR o.value > 100) AND o.indicator_id NOT LIKE '%growth%')
              OR (i.unit = '人' AND o.value > 2e8)
              OR (o.indicator_id LIKE 'net_migration%' AND abs(o.value) > 1e6)
           ORDER BY 1, 2, 3 LIMIT 50""",
    )
    return [f"{i} / {r} / {p}: implausible value {v} {u}" for i, r, p, v, u in rows]


def check_regions(con: duckdb.DuckDBPyConnection) -> list[str]:
    out = []
    n = con.execute("SELECT count(*) FROM marts.regions WHERE level = 'prefecture'").fetchone()
    if not n or n[0] != 47:
        out.append(f"marts.regions has {n[0] if n else 0} prefectures, expected 47")
    dup = _rows(con, "SELECT region_code FROM marts.regions GROUP BY 1 HAVING count(*) > 1")
    out += [f"duplicate region code {r}" for (r,) in dup]
    return out


# ---------------------------------------------------------------- industry structure (etl/loaders/industry.py)

# Census counts cross-checked against the census totals already loaded (labour.py, the same 2015 census table).
CENSUS_2015_TOTALS = {
    "emp2015_total": "census_employed_residence",
    "emp2015_sector1": "census_employed_primary",
    "emp2015_sector2": "census_employed_secondary",
    "emp2015_sector3": "census_employed_tertiary",
}


def _has_indicator(con: duckdb.DuckDBPyConnection, *ids: str) -> bool:
    if not (_has_table(con, "marts", "indicators") and _has_table(con, "marts", "industries")):
        return False
    (n,) = _rows(con, f"SELECT count(DISTINCT indicator_id) FROM marts.indicators WHERE indicator_id IN {_in(ids)}")[0]
    return n == len(set(ids))


def _in(ids: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join("'" + i.replace("'", "''") + "'" for i in ids) + ")"


def _release(source_id: str) -> str:
    """esri2022_industry -> esri2022 (the ESRI release both tables come from)."""
    return source_id.split("_")[0]


def _industry_sector_sums(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(indicator, prefecture, period, value, Σ of its industries, n industries) for every sector row of a measure
    (the published cells; the TKY/NTK/00 rows are sums of prefectures, checked by check_aggregates)."""
    return _rows(
        con,
        """WITH parts AS (
               SELECT i.measure || '_sector' || i.sector AS indicator_id, o.region_code, o.period,
                      sum(o.value) AS s, count(*) AS n
               FROM marts.industries i JOIN marts.observations o ON o.indicator_id = i.indicator_id
               JOIN marts.regions r ON r.region_code = o.region_code AND r.level = 'prefecture'
               WHERE i.sector IS NOT NULL GROUP BY ALL)
           SELECT p.indicator_id, p.region_code, p.period, o.value, p.s, p.n
           FROM parts p JOIN marts.observations o USING (indicator_id, region_code, period)
           ORDER BY abs(o.value - p.s) DESC, 1, 2, 3""",
    )


def check_industry(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Accounting identities of the two industry tables and their agreement with the totals already loaded.

    - each sector (va_sector1..3, emp2015_sector1..3) = Σ of its industries (marts.industries.sector) within the
      rounding of the published figures (½ unit per term);
    - emp2015_total = Σ of the 20 大分類 (A–T, 分類不能 included);
    - va_total = gdp_nominal (総括表1) where both come from the same ESRI release (else a note, not compared);
    - emp2015_total and the sectors = the 2015 census counts loaded from census_employment (same table);
    - location quotients positive (shares 0–100 and non-negative levels: check_ranges).
    """
    if not _has_table(con, "marts", "industries"):
        return []
    out = []
    for iid, region, period, v, s, n in _industry_sector_sums(con):
        if abs(v - s) > 0.5 * n + 1e-6:
            out.append(f"{iid} / {region} / {period}: sector {v:,.0f} ≠ Σ of its {n} industries {s:,.0f}")
    if _has_indicator(con, "emp2015_total"):
        rows = _rows(
            con,
            """SELECT o.region_code, o.period, o.value, sum(p.value), count(*)
               FROM marts.observations o
               JOIN marts.observations p ON p.region_code = o.region_code AND p.period = o.period
               JOIN marts.industries i ON i.indicator_id = p.indicator_id AND i.measure = 'emp2015'
               WHERE o.indicator_id = 'emp2015_total' GROUP BY ALL HAVING o.value <> sum(p.value) ORDER BY 1, 2""",
        )
        out += [f"emp2015_total / {r} / {p}: 総数 {v:,.0f} ≠ Σ of the {n} 大分類 {s:,.0f}" for r, p, v, s, n in rows]
    if _has_indicator(con, "va_total", "gdp_nominal"):
        out += [
            f"va_total / {r} / {p}: 経済活動別 県内総生産（合計） {v:,.0f} ≠ gdp_nominal (総括表1, {gs}) {g:,.0f} "
            f"(difference {v - g:+,.0f} 百万円)"
            for r, p, v, g, vs, gs in _va_total_vs_gdp(con)
            if _release(vs) == _release(gs) and abs(v - g) > 0.5
        ]
    for ours, theirs in CENSUS_2015_TOTALS.items():
        if not _has_indicator(con, ours, theirs):
            continue
        rows = _rows(
            con,
            f"""SELECT a.region_code, a.period, a.value, b.value FROM marts.observations a
                JOIN marts.observations b USING (region_code, period)
                WHERE a.indicator_id = '{ours}' AND b.indicator_id = '{theirs}' AND a.value <> b.value
                ORDER BY 1, 2 LIMIT 50""",
        )
        out += [f"{ours} / {r} / {p}: {v:,.0f} ≠ {theirs} {w:,.0f} (difference {v - w:+,.0f})" for r, p, v, w in rows]
    rows = _rows(
        con,
        """SELECT o.indicator_id, o.region_code, o.period, o.value FROM marts.observations o
           JOIN marts.industries i ON o.indicator_id = i.lq_id WHERE NOT (o.value > 0) ORDER BY 1, 2, 3 LIMIT 50""",
    )
    out += [f"{i} / {r} / {p}: location quotient {v} is not positive" for i, r, p, v in rows]
    return out


def _va_total_vs_gdp(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """(region, period, va_total, gdp_nominal, their source_ids) for the prefectures, largest difference first."""
    return _rows(
        con,
        """SELECT a.region_code, a.period, a.value, b.value, a.source_id, b.source_id
           FROM marts.observations a JOIN marts.observations b USING (region_code, period)
           JOIN marts.regions r USING (region_code)
           WHERE a.indicator_id = 'va_total' AND b.indicator_id = 'gdp_nominal' AND r.level = 'prefecture'
           ORDER BY abs(a.value - b.value) DESC, 1, 2""",
    )


CHECKS: list[Callable[[duckdb.DuckDBPyConnection], list[str]]] = [
    check_regions,
    check_unique_keys,
    check_not_null,
    check_references,
    check_47_prefectures,
    check_aggregates,
    check_published_tokyo_area_migration,
    check_municipalities_sum_to_prefectures,
    check_ranges,
    check_industry,
]


def run_all(con: duckdb.DuckDBPyConnection) -> list[str]:
    failures: list[str] = []
    for chk in CHECKS:
        failures += [f"[{chk.__name__.removeprefix('check_')}] {msg}" for msg in chk(con)]
    return failures


# ---------------------------------------------------------------- notes (informational, never a failure)


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        _rows(
            con,
            f"SELECT 1 FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = '{table}'",
        )
    )


def _num(v: float | None) -> str:
    if v is None:
        return "blank"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.10g}"


def _year_ranges(years: list[int]) -> str:
    """[2011, 2012, 2013, 2015] -> '2011–2013, 2015'."""
    out: list[str] = []
    for y in sorted(years):
        if out and int(out[-1].split("–")[-1]) == y - 1:
            out[-1] = f"{out[-1].split('–')[0]}–{y}"
        else:
            out.append(str(y))
    return ", ".join(out)


EXAMPLES_PER_INDICATOR = 3
INDICATORS_LISTED = 20


def note_ssdse_b_editions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Which SSDSE-B edition supplies which years, absent editions, and the cells in which editions differ
    (staging tables written by etl/loaders/ssdse_b.py; the newer edition's value is the one used)."""
    if not _has_table(con, "staging", "stg_ssdse_b_editions"):
        return []
    used = dict(
        _rows(
            con,
            "SELECT source_id, list(DISTINCT period ORDER BY period) FROM staging.stg_ssdse_b_observations GROUP BY 1",
        )
    )
    editions = _rows(
        con,
        """SELECT source_id, file, status, first_period, last_period, cells_compared_with_newer
           FROM staging.stg_ssdse_b_editions ORDER BY edition_rank""",
    )
    out, parts, compared = [], [], 0
    for sid, file, status, first, last, n in editions:
        if status == "absent":
            out.append(
                f"SSDSE-B edition {sid} is absent ({file} not found): its years come from the other edition only"
            )
            continue
        years = used.get(sid) or []
        parts.append(f"{sid} ({file}, {first}–{last}) supplies {_year_ranges(years) if years else 'no year'}")
        compared += n or 0
    (n_diff,) = _rows(con, "SELECT count(*) FROM staging.stg_ssdse_b_edition_diffs")[0]
    summary = "SSDSE-B editions: " + "; ".join(parts)
    if compared:
        summary += f"; {compared:,} cells held by two editions compared, {n_diff:,} difference(s)"
        summary += " (newer edition used; all in staging.stg_ssdse_b_edition_diffs)" if n_diff else ""
    out.insert(0, summary)
    rows = _rows(
        con,
        f"""SELECT indicator_id, older_source_id, newer_source_id, count(*) AS n,
                  list({{'r': region_code, 'p': period, 'o': older_value, 'n': newer_value}}
                       ORDER BY period, region_code)[:{EXAMPLES_PER_INDICATOR}]
           FROM staging.stg_ssdse_b_edition_diffs GROUP BY ALL ORDER BY n DESC, indicator_id""",
    )
    for iid, old_sid, new_sid, n, examples in rows[:INDICATORS_LISTED]:
        shown = ", ".join(f"{e['r']} / {e['p']}: {_num(e['o'])} → {_num(e['n'])}" for e in examples)
        more = ", …" if n > len(examples) else ""
        out.append(f"SSDSE-B {iid}: {n} cell(s) differ between {old_sid} and {new_sid}: {shown}{more}")
    if len(rows) > INDICATORS_LISTED:
        out.append(f"SSDSE-B: … and {len(rows) - INDICATORS_LISTED} more indicator(s) with differences")
    return out


INDUSTRY_DIFFS_LISTED = 3


def note_industry(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What the industry cross-checks found (check_industry fails on the identities; these are the facts):

    - Σ16 activities (va_subtotal) vs 県内総生産（合計） (va_total): never equal by definition — the range of the ratio
      and the largest differences (輸入品に課される税・関税 − 総資本形成に係る消費税);
    - va_total vs gdp_nominal: equal in how many prefecture-years, or not compared (different releases);
    - sectors vs Σ industries and Σ sectors vs Σ activities: the largest rounding difference;
    - emp2015_total vs the loaded census total.
    """
    if not _has_indicator(con, "va_subtotal", "va_total"):
        return []
    out = []
    names = dict(_rows(con, "SELECT region_code, name_ja FROM marts.regions WHERE length(region_code) <= 3"))
    rows = _rows(
        con,
        """SELECT s.region_code, s.period, s.value, t.value, s.value / t.value AS ratio
           FROM marts.observations s JOIN marts.observations t USING (region_code, period)
           JOIN marts.regions r USING (region_code)
           WHERE s.indicator_id = 'va_subtotal' AND t.indicator_id = 'va_total' AND r.level = 'prefecture'""",
    )
    if rows:
        lo = min(rows, key=lambda r: r[4])
        hi = max(rows, key=lambda r: r[4])
        big = sorted(rows, key=lambda r: -abs(r[3] - r[2]))[:INDUSTRY_DIFFS_LISTED]
        nat = _rows(
            con,
            """SELECT min(s.value / t.value), max(s.value / t.value) FROM marts.observations s
               JOIN marts.observations t USING (region_code, period)
               WHERE s.indicator_id = 'va_subtotal' AND t.indicator_id = 'va_total' AND s.region_code = '00'""",
        )[0]
        national = f" (全国 {nat[0]:.4f}–{nat[1]:.4f})" if nat[0] is not None else ""
        out.append(
            f"va: Σ16 経済活動 (va_subtotal, the denominator of shares and LQ) ÷ 県内総生産（合計） (va_total) is "
            f"{lo[4]:.4f} ({names.get(lo[0], lo[0])} {lo[1]}) to {hi[4]:.4f} ({names.get(hi[0], hi[0])} {hi[1]}) over "
            f"{len(rows)} prefecture-years{national}; 合計 − 小計 = 輸入品に課される税・関税 − "
            "総資本形成に係る消費税, largest: "
            + ", ".join(f"{names.get(r, r)} {p} {t - s:+,.0f} 百万円" for r, p, s, t, _ in big)
        )
    if _has_indicator(con, "gdp_nominal"):
        pairs = _va_total_vs_gdp(con)
        same = [p for p in pairs if _release(p[4]) == _release(p[5])]
        differ = [p for p in same if abs(p[2] - p[3]) > 0.5]
        if not same and pairs:
            out.append(
                f"va_total ({pairs[0][4]}) and gdp_nominal ({pairs[0][5]}) come from different ESRI releases: "
                "not compared (update the industry file with the 総括表)"
            )
        elif same:
            out.append(
                f"va_total = gdp_nominal (総括表1, {same[0][5]}) in {len(same) - len(differ)} of {len(same)} "
                "prefecture-years" + (f"; {len(differ)} differ (failing check)" if differ else "")
            )
    sectors = _industry_sector_sums(con)
    if sectors:
        worst = {}
        for iid, r, p, v, s, _n in sectors:
            m = iid.split("_sector")[0]
            if m not in worst:
                worst[m] = (abs(v - s), iid, r, p)
        out.append(
            "sectors = Σ of their industries within rounding; largest |difference|: "
            + ", ".join(f"{m} {d:,.0f} ({i} / {names.get(r, r)} {p})" for m, (d, i, r, p) in worst.items())
        )
    (gap,) = _rows(
        con,
        """SELECT max(abs(t.value - s.value)) FROM marts.observations s
           JOIN (SELECT region_code, period, sum(value) AS value FROM marts.observations
                 WHERE indicator_id IN ('va_sector1', 'va_sector2', 'va_sector3') GROUP BY ALL) t
             USING (region_code, period) JOIN marts.regions r USING (region_code)
           WHERE s.indicator_id = 'va_subtotal' AND r.level = 'prefecture'""",
    )[0]
    if gap is not None:
        out.append(f"va: Σ of the 3 sectors vs Σ16 activities: largest |difference| {gap:,.0f} 百万円 (rounding)")
    if _has_indicator(con, "emp2015_total", "census_employed_residence"):
        rows = _rows(
            con,
            """SELECT count(*), count(*) FILTER (WHERE a.value <> b.value), any_value(a.value) FILTER (
                      WHERE a.region_code = '00') FROM marts.observations a
               JOIN marts.observations b USING (region_code, period)
               WHERE a.indicator_id = 'emp2015_total' AND b.indicator_id = 'census_employed_residence'""",
        )
        n, n_diff, national = rows[0]
        out.append(
            f"emp2015_total = census_employed_residence (2015) in {n - n_diff} of {n} regions"
            + (f" (全国 {national:,.0f})" if national is not None else "")
            + (f"; {n_diff} differ (failing check)" if n_diff else "")
        )
    return out


NOTES: list[Callable[[duckdb.DuckDBPyConnection], list[str]]] = [note_ssdse_b_editions, note_industry]


def notes(con: duckdb.DuckDBPyConnection) -> list[str]:
    out: list[str] = []
    for note in NOTES:
        out += [f"[{note.__name__.removeprefix('note_')}] {msg}" for msg in note(con)]
    return out
