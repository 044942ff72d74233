//! Figure-level view of checks computed elsewhere: `p002_xy_tag_checks` copies the rows of
//! upstream `checks` tables (e.g. those of the `rd_lattice` and `rd_sech_profiles` theory stages
//! behind paper 002 Fig. 14) and prefixes them with the figure panel they judge, so that the
//! report lists every panel in the same layout. Nothing is recomputed: measured, expected,
//! tolerance and verdict are the upstream stage's.

use super::{FigureChecks, code};
use pipeline::table;
use pipeline::{InputSpec, Outputs, ParamSpec, ParamType as T, Params, StageCtx, StageInfo, StageKind, Value};

const FILE: &str = "tag.rs";

/// `p002_xy_tag_checks`.
pub struct TagChecks;

impl StageKind for TagChecks {
    fn info(&self) -> StageInfo {
        StageInfo {
            name: "p002_xy_tag_checks",
            doc: "Copies the rows of upstream `checks` tables (columns check, measured, expected, tolerance, is_pass; optional rule, reference) under the panel name `figure` (a gathered input may be split by an upstream parameter: `figure_by` names it and `figures` lists `value=panel` pairs, e.g. n_hidden: [\"1=14a\", \"2=14b\"])",
            params: vec![
                ParamSpec::new("figure", T::Str, "panel name for every row (used when figure_by is empty)")
                    .default(Value::Str(String::new())),
                ParamSpec::new("figure_by", T::Str, "upstream parameter that selects the panel (empty: none)")
                    .default(Value::Str(String::new())),
                ParamSpec::new(
                    "figures",
                    T::Str,
                    "comma-separated value=panel pairs for figure_by, e.g. `1=14a,2=14b`",
                )
                .default(Value::Str(String::new())),
            ],
            inputs: vec![InputSpec { name: "checks", gather: true, doc: "upstream `checks` tables" }],
            outputs: vec!["checks"],
            code: code(&[], FILE),
        }
    }

    fn check(&self, p: &Params) -> Result<(), String> {
        let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        if s("figure_by").is_empty() {
            if s("figure").is_empty() {
                return Err("set `figure` (or `figure_by` with `figures`)".into());
            }
        } else {
            parse_map(&s("figures"))?;
        }
        Ok(())
    }

    fn run(&self, ctx: &StageCtx) -> anyhow::Result<Outputs> {
        let by = ctx.str("figure_by")?;
        let map = if by.is_empty() { vec![] } else { parse_map(ctx.str("figures")?).map_err(anyhow::Error::msg)? };
        let mut c = FigureChecks::default();
        for up in ctx.gathered("checks")? {
            let fig = if by.is_empty() {
                ctx.str("figure")?.to_string()
            } else {
                let v = up.params.get(by).map(|v| v.to_string()).unwrap_or_default();
                map.iter()
                    .find(|(k, _)| *k == v)
                    .map(|(_, f)| f.clone())
                    .ok_or_else(|| anyhow::anyhow!("stage `{}`: {by} = {v} has no panel in `figures`", up.stage))?
            };
            let t = &up.table;
            let (chk, m, e, tol, pass) = (
                table::col_str(t, "check")?,
                table::col_f64(t, "measured")?,
                table::col_f64(t, "expected")?,
                table::col_f64(t, "tolerance")?,
                table::col_bool(t, "is_pass")?,
            );
            let rule = table::col_str(t, "rule").unwrap_or_else(|_| vec![String::new(); t.num_rows()]);
            let refs = table::col_str(t, "reference").unwrap_or_else(|_| vec![up.stage.clone(); t.num_rows()]);
            for k in 0..t.num_rows() {
                c.copy(&fig, &chk[k], m[k], e[k], tol[k], &rule[k], pass[k], &refs[k]);
            }
        }
        Ok(vec![("checks".into(), c.build()?)])
    }
}

/// Parses `value=panel` pairs separated by commas.
fn parse_map(s: &str) -> Result<Vec<(String, String)>, String> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("`figures` entries must be value=panel, got `{kv}`"))
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| if v.is_empty() { Err("`figures` is empty".into()) } else { Ok(v) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_maps_parse_and_reject_garbage() {
        assert_eq!(parse_map("1=14a, 2=14b").unwrap(), vec![("1".into(), "14a".into()), ("2".into(), "14b".into())]);
        assert!(parse_map("").is_err());
        assert!(parse_map("1:14a").is_err());
    }
}
