"""One style for every figure hedgesim draws, the reports' and the page's: a colour and a line
per strategy arm, and the colours of the record's alignment classes."""

COLOURS = {"historical": "#222222", "balance": "#4C72B0", "bandwagon": "#DD8452",
           "hedge": "#55A868", "adaptive": "#8C8C8C"}
LINESTYLES = {"historical": (0, (4, 2)), "balance": "-", "bandwagon": "-", "hedge": "-",
              "adaptive": ":"}
TIE_COLOUR = "#BBBBBB"
CLASS_COLOURS = {"bandwagon": COLOURS["bandwagon"], "balance": COLOURS["balance"],
                 "both": "#8172B3", "non-aligned": COLOURS["hedge"]}
