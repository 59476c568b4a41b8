"""Fire plans as data (规划数据): the seed plans' indicators, targets and projects."""
