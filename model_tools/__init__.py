"""Model side of the TiMe kit: default model, <char> token, training, chat."""
CHAR_TOKEN = "<char>"
