"""The registry (消防大数据中心): every object the other domains read, by one shared pattern."""
