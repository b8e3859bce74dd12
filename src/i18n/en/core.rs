//! The engine's words in English: one template per key, `{name}` where an argument goes.
//! Keys are grouped by the module that says them (`error.`, `shapes.`, `model_file.` …).

pub const TEXTS: &[(&str, &str)] = &[
    ("untranslated", "{text}"),
    ("example.filters", "{count} filters of {side}"),
    ("axis.height", "height"),
    ("axis.width", "width"),
    ("axis.both", "height and width"),
    ("axis.size", "size"),
    ("error.shape_mismatch", "shape mismatch in {context}: expected {expected}, got {got}"),
    ("error.not_whole", "{axis}: ({input} − {filter} + 2·{pad})/{stride} + 1 = {value} is not a whole number: {suggestion}"),
    ("error.filter_too_large", "{axis}: a filter of size {filter} does not fit in an input of size {input} padded by {pad} on each side ({padded} in all)"),
    ("error.window_too_large", "{axis}: a pool window of size {window} does not fit in an input of size {input}"),
    ("error.zero", "{what} must be at least 1, got 0"),
    ("error.empty_batch", "{context}: the batch is empty (N = 0)"),
    ("error.label_out_of_range", "label {label} at position {index} is out of range: there are {classes} classes (0 to {max})"),
    ("error.invalid_hyperparameter", "{name} = {value} is not allowed: {reason}"),
    ("error.model_file", "cannot load the model: {why}"),
    ("error.over_budget", "{what} would need {needed}; the engine's limit is {limit}"),
    ("error.too_much_work", "{what} would take {needed} multiply-adds per step; the engine's limit is {limit}, which takes a few seconds in a browser: {fix}"),
    ("error.diverged", "training diverged at iteration {iteration}: the loss is {loss}. Try a lower learning rate (for example {suggested_lr})"),
    ("error.diverged_at_start", "training diverged at iteration 1: the loss is {loss} before any update, so the learning rate is not the cause: {cause}"),
];
