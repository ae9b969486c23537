"""Experiments: replicates, sweeps, the counterfactual, and their analysis."""
