"""Operations (运维保障): backup, restore and the restore drill, scheduled backups (数据容灾)."""
