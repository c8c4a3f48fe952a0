"""西湖区“六个一批”任务台账 — desktop ledger for the Xihu District five-year plan."""

__version__ = "0.1.0"
APP_NAME = "xihu-desktop"
APP_TITLE = "西湖区“六个一批”任务台账"
