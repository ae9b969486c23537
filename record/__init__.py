"""The empirical record, apart from the model's inputs: the shipped extracts of the peace-science
data (``data``), the dyad-year panel of great powers and their small neighbours (``panel``), the
model's world of a real year (``worlds``), and the case files' inputs measured from the data
(``case_inputs``)."""
