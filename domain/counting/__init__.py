"""Stock counting: cycle, full and sample count plans, blind count tasks, variances and adjustments."""
