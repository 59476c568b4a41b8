"""Supervision (监督管理): inspections, the hazard closed loop, 挂牌督办 and the random draw."""
