-- Cartable SQLite schema, version 6: collection settings as typed columns (store.h
-- CollectionSettings) instead of property rows holding XML that each use parsed again or
-- searched with substring matches. collections has no large column, so ADD COLUMN (which appends)
-- costs nothing here (compare 0002). NULL means "not set" everywhere.

ALTER TABLE collections ADD COLUMN display_name TEXT;         -- DAV:displayname
ALTER TABLE collections ADD COLUMN description TEXT;          -- CALDAV:calendar-description
ALTER TABLE collections ADD COLUMN color TEXT;                -- Apple calendar-color ("#RRGGBB[AA]")
ALTER TABLE collections ADD COLUMN sort_order INTEGER;        -- Apple calendar-order
ALTER TABLE collections ADD COLUMN time_zone TEXT;            -- CALDAV:calendar-timezone (VCALENDAR)
ALTER TABLE collections ADD COLUMN transparent INTEGER;       -- CALDAV:schedule-calendar-transp, 1/0
-- A scheduling inbox's CALDAV:schedule-default-calendar-URL, by id: it follows a MOVE of the
-- calendar and is unset when the calendar is deleted.
ALTER TABLE collections ADD COLUMN default_calendar_id INTEGER
  REFERENCES collections(id) ON DELETE SET NULL;
ALTER TABLE collections ADD COLUMN components TEXT;           -- "VEVENT,VTODO"; NULL: every one

-- The existing property rows move into the columns, on the collections where the server now
-- serves them as live properties (the same rows elsewhere stay dead properties).
--
-- Every row was written by pugixml (dav/xml.cc SelfContainedXml, or ComponentSetProperty and
-- CreateDefaultCalendars for the server's own): `<p:name xmlns:p="...">text</p:name>` or
-- `<p:name .../>`, attributes in double quotes, text escaping &amp; &lt; &gt; (and &quot; &apos;
-- &#13; from other writers), a CDATA section kept as written. `inner` is what lies between the
-- start tag and the first end tag: the whole text of a text-only property, or the start tag and
-- text of the first child (the DAV:href of schedule-default-calendar-URL).
CREATE TEMP TABLE setting_rows AS
  SELECT p.collection_id, c.kind, c.owner_id, p.ns, p.local, p.xml,
         CASE WHEN substr(p.xml, instr(p.xml, '>') - 1, 1) = '/' THEN ''
              ELSE substr(p.xml, instr(p.xml, '>') + 1,
                          instr(substr(p.xml, instr(p.xml, '>') + 1), '</') - 1)
         END AS inner
  FROM collection_properties p JOIN collections c ON c.id = p.collection_id
  WHERE (p.ns = 'DAV:' AND p.local = 'displayname' AND c.kind <> 'directory')
     OR (c.kind = 'calendar' AND (p.ns, p.local) IN (
           VALUES ('urn:ietf:params:xml:ns:caldav', 'calendar-description'),
                  ('urn:ietf:params:xml:ns:caldav', 'calendar-timezone'),
                  ('urn:ietf:params:xml:ns:caldav', 'schedule-calendar-transp'),
                  ('urn:ietf:params:xml:ns:caldav', 'supported-calendar-component-set'),
                  ('http://apple.com/ns/ical/', 'calendar-color'),
                  ('http://apple.com/ns/ical/', 'calendar-order')))
     OR (c.kind = 'schedule-inbox' AND p.ns = 'urn:ietf:params:xml:ns:caldav'
         AND p.local = 'schedule-default-calendar-URL');

-- `text`: the character data of `inner`, unescaped (a CDATA section unwrapped).
CREATE TEMP TABLE setting_text AS
  SELECT collection_id, kind, owner_id, ns, local, xml, inner,
         CASE WHEN inner LIKE '<![CDATA[%]]>' THEN substr(inner, 10, length(inner) - 12)
              ELSE replace(replace(replace(replace(replace(replace(inner,
                     '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&apos;', ''''),
                     '&#13;', char(13)), '&amp;', '&')
         END AS text
  FROM setting_rows;

UPDATE collections SET display_name = (
  SELECT text FROM setting_text t
  WHERE t.collection_id = collections.id AND t.ns = 'DAV:' AND t.local = 'displayname')
WHERE id IN (SELECT collection_id FROM setting_text WHERE ns = 'DAV:' AND local = 'displayname');

UPDATE collections SET description = (
  SELECT text FROM setting_text t
  WHERE t.collection_id = collections.id AND t.local = 'calendar-description')
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'calendar-description');

UPDATE collections SET time_zone = (
  SELECT text FROM setting_text t
  WHERE t.collection_id = collections.id AND t.local = 'calendar-timezone')
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'calendar-timezone');

UPDATE collections SET color = (
  SELECT trim(text, ' ' || char(9, 10, 13)) FROM setting_text t
  WHERE t.collection_id = collections.id AND t.local = 'calendar-color')
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'calendar-color');

-- An order that is not an integer is dropped: no client could have read it as one.
UPDATE collections SET sort_order = (
  SELECT CAST(v AS INTEGER) FROM (
    SELECT trim(text, ' ' || char(9, 10, 13)) AS v FROM setting_text t
    WHERE t.collection_id = collections.id AND t.local = 'calendar-order')
  WHERE v <> '' AND length(v) <= 18
    AND (v NOT GLOB '*[^0-9]*' OR (v GLOB '-?*' AND substr(v, 2) NOT GLOB '*[^0-9]*')))
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'calendar-order');

-- The value is an empty <C:opaque/> or <C:transparent/> element, under any prefix.
UPDATE collections SET transparent = (
  SELECT xml LIKE '%:transparent/>%' OR xml LIKE '%<transparent/>%'
      OR xml LIKE '%:transparent>%' OR xml LIKE '%<transparent>%'
  FROM setting_text t
  WHERE t.collection_id = collections.id AND t.local = 'schedule-calendar-transp')
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'schedule-calendar-transp');

-- The names of the <C:comp name="..."/> children, upper-cased, in document order.
WITH RECURSIVE comps(collection_id, rest, list) AS (
  SELECT collection_id, xml, '' FROM setting_text
  WHERE local = 'supported-calendar-component-set'
  UNION ALL
  SELECT collection_id,
         substr(rest, instr(rest, ' name="') + 7 + instr(substr(rest, instr(rest, ' name="') + 7), '"')),
         list || ',' || upper(substr(rest, instr(rest, ' name="') + 7,
                                     instr(substr(rest, instr(rest, ' name="') + 7), '"') - 1))
  FROM comps WHERE instr(rest, ' name="') > 0
)
UPDATE collections SET components = (
  SELECT nullif(substr(list, 2), '') FROM comps
  WHERE comps.collection_id = collections.id AND instr(rest, ' name="') = 0)
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'supported-calendar-component-set');

-- The href names one of the owner's calendars by path: absolute ("/dav/calendars/u/agenda/")
-- or a full URL. Paths the server creates need no percent-encoding; %20 is undone. An href that
-- names nothing is dropped: the inbox then falls back to the first calendar, as before.
UPDATE collections SET default_calendar_id = (
  SELECT cal.id FROM (
    SELECT replace(CASE WHEN h LIKE 'http%://%'
                        THEN substr(h, instr(h, '://') + 2 + instr(substr(h, instr(h, '://') + 3), '/'))
                        ELSE h END, '%20', ' ') AS path, owner_id
    FROM (SELECT trim(substr(text, instr(text, '>') + 1), ' ' || char(9, 10, 13)) AS h, owner_id
          FROM setting_text t
          WHERE t.collection_id = collections.id AND t.local = 'schedule-default-calendar-URL')
  ) AS wanted
  JOIN collections cal ON cal.path = wanted.path AND cal.kind = 'calendar'
                      AND cal.owner_id = wanted.owner_id)
WHERE id IN (SELECT collection_id FROM setting_text WHERE local = 'schedule-default-calendar-URL');

DELETE FROM collection_properties
WHERE EXISTS (SELECT 1 FROM setting_rows r
              WHERE r.collection_id = collection_properties.collection_id
                AND r.ns = collection_properties.ns AND r.local = collection_properties.local);
-- Rows of the directory's displayname were never served (its name is fixed).
DELETE FROM collection_properties
WHERE ns = 'DAV:' AND local = 'displayname'
  AND collection_id IN (SELECT id FROM collections WHERE kind = 'directory');

DROP TABLE setting_text;
DROP TABLE setting_rows;
