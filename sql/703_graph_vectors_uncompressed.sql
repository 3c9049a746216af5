-- Graph vectors stay uncompressed in their rows. Entity resolution and graph search compare a
-- vector with every entity or fact of the workspace, and pglz compresses the local embedder's
-- sparse vectors, so every comparison first decompressed one: 8.7 ms per name against 1,134
-- entities on PGlite, most of it decompression. A row is now compressed or moved out of line only
-- when it would not fit in a page (toast_tuple_target at its maximum), so vectors of any dimension
-- are still accepted (STORAGE MAIN, as 021 set). Rows written before keep their storage until
-- they are rewritten.
ALTER TABLE graph_entities SET (toast_tuple_target = 8160);
ALTER TABLE graph_facts SET (toast_tuple_target = 8160);
