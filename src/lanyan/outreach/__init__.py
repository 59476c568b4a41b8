"""Administration: people, training, outreach (政务管理 — 人员、培训、宣传教育、开放日、志愿者、知晓率调查)."""
