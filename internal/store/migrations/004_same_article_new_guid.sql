-- An item whose GUID changes every poll is still the same article when its
-- canonical link, or its title and text (content_hash), match one stored.
ALTER TABLE articles ADD COLUMN canon TEXT NOT NULL DEFAULT '';
CREATE INDEX articles_canon ON articles (feed, canon);
CREATE INDEX articles_hash ON articles (feed, content_hash);
