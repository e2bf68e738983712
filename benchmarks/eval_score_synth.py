"""Score quality on planted truth: ROC AUC (community vs broadcast) and label agreement.

tribescope synth --scale s --seed 11 --out D && tribescope -w W import D && tribescope -w W score --out S.csv
python -m benchmarks.eval_score_synth S.csv D
"""

import sys

import pandas as pd
from sklearn.metrics import roc_auc_score

EXPECTED = {
    "community": "community_influencer",
    "broadcast": "broadcast_influencer",
    "boosted": "suspicious",
    "small": "creator",
}


def main(scores_csv: str, synth_dir: str) -> None:
    s = pd.read_csv(scores_csv, dtype={"creator_id": str})
    t = pd.read_csv(synth_dir + "/truth/creators.csv", dtype={"creator_id": str})
    m = s.merge(t, on=["platform", "creator_id"], how="inner")
    print("matched", len(m), "of", len(t))
    cb = m[m.kind.isin(["community", "broadcast"])]
    auc = roc_auc_score(cb.kind == "community", cb.community_score.fillna(0))
    print("AUC community vs broadcast:", round(auc, 4))
    e = m[m.label != "insufficient_data"]
    print("label agreement (enough data):", round((e.label == e.kind.map(EXPECTED)).mean(), 4), "n=", len(e))
    print(pd.crosstab(m.kind, m.label))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
