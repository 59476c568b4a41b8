"""Pages of data exchange (数据交换): the administrators' webhook page."""
