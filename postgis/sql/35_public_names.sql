-- Public names never carry a firm's name (issue 14 §12). A parcel's name is shown to the
-- public once the land is on offer or released; a name built from its holder's name
-- ("…股份有限公司地块") would tell everyone who held the land or went bankrupt. The holder
-- is recorded in parcel.holder_firm_id, never in the name. Both sides are checked: a
-- parcel named after a known firm, and a firm whose name some parcel already carries.

CREATE FUNCTION logic.refuse_firm_in_parcel_name() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    firm_name text;
BEGIN
    IF NEW.name IS NULL OR length(btrim(NEW.name)) = 0 THEN
        RETURN NEW;
    END IF;
    SELECT f.name INTO firm_name FROM public.firm f
     WHERE length(btrim(f.name)) > 0 AND strpos(NEW.name, btrim(f.name)) > 0
     ORDER BY length(f.name) DESC LIMIT 1;
    IF firm_name IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'check_violation',
            CONSTRAINT = 'parcel_public_name',
            COLUMN = 'name',
            MESSAGE = format(
                '地块 %s 的名称“%s”含有企业名称“%s”：地块名称对公众公开，不得含企业名称'
                '（使用权人记在 holder_firm_id） / the name %L of parcel %s contains the firm '
                'name %L: parcel names are public and never carry a firm''s name (the holder '
                'is recorded in holder_firm_id)',
                NEW.plot_no, NEW.name, firm_name, NEW.name, NEW.plot_no, firm_name);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER parcel_public_name BEFORE INSERT OR UPDATE OF name ON public.parcel
FOR EACH ROW EXECUTE FUNCTION logic.refuse_firm_in_parcel_name();

CREATE FUNCTION logic.refuse_parcel_named_after_firm() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    plot text;
    parcel_name text;
BEGIN
    IF length(btrim(NEW.name)) = 0 THEN
        RETURN NEW;
    END IF;
    SELECT p.plot_no, p.name INTO plot, parcel_name FROM public.parcel p
     WHERE p.name IS NOT NULL AND strpos(p.name, btrim(NEW.name)) > 0
     ORDER BY p.plot_no LIMIT 1;
    IF plot IS NOT NULL THEN
        RAISE EXCEPTION USING
            ERRCODE = 'check_violation',
            CONSTRAINT = 'parcel_public_name',
            COLUMN = 'name',
            MESSAGE = format(
                '企业名称“%s”出现在地块 %s 的名称“%s”中：地块名称对公众公开，不得含企业名称，'
                '请先更改该地块名称 / the firm name %L appears in the name %L of parcel %s: '
                'parcel names are public and never carry a firm''s name; rename the parcel first',
                NEW.name, plot, parcel_name, NEW.name, parcel_name, plot);
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER firm_not_in_parcel_names BEFORE INSERT OR UPDATE OF name ON public.firm
FOR EACH ROW EXECUTE FUNCTION logic.refuse_parcel_named_after_firm();
