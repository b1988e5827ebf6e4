"""pandera models of the tables passed between the pipeline's stages, and their vocabularies."""
