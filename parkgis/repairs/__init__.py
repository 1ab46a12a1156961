"""Infrastructure repair planning 管网与道路修复规划 (issue 7): CJJ 181-2012 assessment,
the drainage graph, CJJ 36-2016 roads, candidate works and budget-optimal plans."""
