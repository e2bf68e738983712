"""Score quality on planted truth: ROC AUC (community vs broadcast) and label agreement.

tribescope synth --scale s --seed 11 --out D && tribescope -w W import D && tribescope -w W score --out S.csv
python -m benchmarks.eval_score_synth S.csv D
"""

import sys

import pandas as pd
from sklearn.metrics import roc_auc_score

s = pd.read_csv(sys.argv[1])
t = pd.read_csv(sys.argv[2] + "/truth/creators.csv")
t["creator_id"] = t["creator_id"].astype(str)
s["creator_id"] = s["creator_id"].astype(str)
m = s.merge(t, on=["platform", "creator_id"], how="inner")
print("matched", len(m), "of", len(t))
cb = m[m.kind.isin(["community", "broadcast"])]
print(
    "AUC community vs broadcast:",
    round(roc_auc_score(cb.kind == "community", cb.community_score.fillna(0)), 4),
)
exp = {
    "community": "community_influencer",
    "broadcast": "broadcast_influencer",
    "boosted": "suspicious",
    "small": "creator",
}
e = m[m.label != "insufficient_data"]
print("label agreement (enough data):", round((e.label == e.kind.map(exp)).mean(), 4), "n=", len(e))
print(pd.crosstab(m.kind, m.label))
if "niche_category" in m:
    print("niche_category filled:", m.niche_category.notna().mean())
