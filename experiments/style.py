"""One style for every figure hedgesim draws, the reports' and the page's: a colour and a line
per strategy arm, and the colours of the record's alignment classes. The colours are Okabe &
Ito's (2008, "Color Universal Design"), which readers with the common colour-vision deficiencies
tell apart; the arms also differ in lightness (dark blue, light orange, mid green) and line
style, so a greyscale print keeps them apart too."""

COLOURS = {"historical": "#000000", "balance": "#0072B2", "bandwagon": "#E69F00",
           "hedge": "#009E73", "adaptive": "#999999"}
LINESTYLES = {"historical": (0, (4, 2)), "balance": "-", "bandwagon": "--", "hedge": "-.",
              "adaptive": ":"}
TIE_COLOUR = "#DDDDDD"
CLASS_COLOURS = {"bandwagon": COLOURS["bandwagon"], "balance": COLOURS["balance"],
                 "both": "#CC79A7", "non-aligned": COLOURS["hedge"]}
