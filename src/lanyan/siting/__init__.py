"""Decision support for planners (规划辅助决策): station coverage, siting, hydrant gaps."""
