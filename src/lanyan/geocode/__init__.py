"""The offline geocoder (地址匹配): find a place from what a caller says."""
