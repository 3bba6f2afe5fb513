"""Dataset side of the TiMe kit: book -> paragraphs -> dialogs -> TiMe datasets."""
