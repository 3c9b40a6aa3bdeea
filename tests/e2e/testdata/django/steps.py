"""The steps run.py runs once Django is set up. Each step prints its name
and checks its results; the first mismatch (or error) ends the run with
exit status 1 and says what differed."""
import datetime
import decimal
import io
import sys
import traceback

from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Avg, Count, F, Max, Q, Sum
from django.db.models.functions import Lower

from shop.models import Author, Book, Category, Profile, Review, Tag

D = decimal.Decimal


class Mismatch(Exception):
    pass


def eq(what, got, want):
    """Fails the step when got != want."""
    if got != want:
        raise Mismatch("%s: got %r, want %r" % (what, got, want))


def migrate(*args):
    """Runs manage.py migrate ARGS and returns what it printed."""
    out = io.StringIO()
    call_command("migrate", *args, stdout=out, verbosity=1, interactive=False)
    return out.getvalue()


def constraints(table):
    """Django's introspection of a table's constraints and indexes (what
    inspectdb and the schema editor read): name -> (columns, kind)."""
    with connection.cursor() as c:
        cons = connection.introspection.get_constraints(c, table)
    out = {}
    for name, info in cons.items():
        kind = ("pk" if info["primary_key"] else "fk" if info["foreign_key"] else "unique" if info["unique"]
                else "check" if info["check"] else "index" if info["index"] else "?")
        out[name] = (tuple(info["columns"] or ()), kind)
    return out


def columns(table):
    """Django's introspection of a table's columns: name -> (type, null)."""
    with connection.cursor() as c:
        desc = connection.introspection.get_table_description(c, table)
        return {d.name: (connection.introspection.get_field_type(d.type_code, d), d.null_ok) for d in desc}


def step_migrate_initial():
    migrate("contenttypes")
    migrate("auth")
    migrate("shop", "0001_initial")
    tables = set(connection.introspection.table_names())
    for t in ["django_migrations", "django_content_type", "auth_user", "auth_group", "auth_permission",
              "auth_user_groups", "auth_group_permissions", "auth_user_user_permissions", "shop_author",
              "shop_book", "shop_book_tags", "shop_category", "shop_profile", "shop_review", "shop_tag"]:
        if t not in tables:
            raise Mismatch("table %s missing after migrate: %s" % (t, sorted(tables)))
    cons = constraints("shop_book")
    kinds = sorted(v for v in cons.values())
    eq("shop_book constraints", kinds, sorted([
        (("id",), "pk"),
        (("author_id",), "fk"),
        (("author_id",), "index"),
        (("category_id",), "fk"),
        (("category_id",), "index"),
        (("author_id", "title"), "unique"),
        (("title",), "unique"),  # the partial unique index (condition=)
        (("status", "price"), "index"),
        (("price",), "check"),
    ]))
    eq("named constraints", sorted(n for n in cons if n.startswith("shop_book_") and not n.endswith(("_fk", "_pk"))
                                   and n[len("shop_book_"):].split("_")[0] in ("unique", "status", "price")),
       ["shop_book_price_nonneg", "shop_book_status_price_idx", "shop_book_unique_pub_title"])
    slug = sorted(n for n, v in constraints("shop_category").items() if v == (("slug",), "index"))
    eq("slug indexes (plain and _like)", [n.endswith("_like") for n in slug], [False, True])
    rev = constraints("shop_review")
    eq("review unique", rev.get("shop_review_one_per_reviewer"), (("book_id", "reviewer"), "unique"))
    eq("rating check", [v for v in rev.values() if v[1] == "check"], [(("rating",), "check")])
    eq("profile one-to-one", sorted(v for v in constraints("shop_profile").values() if v[0] == ("author_id",)),
       [(("author_id",), "fk"), (("author_id",), "unique")])
    cols = columns("shop_book")
    eq("book columns", {k: cols[k] for k in ["title", "price", "pages", "data", "created", "published"]}, {
        "title": ("CharField", False), "price": ("DecimalField", False), "pages": ("IntegerField", False),
        "data": ("JSONField", False), "created": ("DateTimeField", False), "published": ("DateTimeField", True)})
    eq("book id", cols["id"], ("BigAutoField", False))


def step_introspection():
    """What inspectdb, flush and the test runner read besides constraints."""
    with connection.cursor() as c:
        eq("sequences", connection.introspection.get_sequences(c, "shop_book"),
           [{"name": "shop_book_id_seq", "table": "shop_book", "column": "id"}])
        eq("views", [t.name for t in connection.introspection.get_table_list(c) if t.type != "t"], [])
        eq("relations", connection.introspection.get_relations(c, "shop_book"),
           {"author_id": ("id", "shop_author"), "category_id": ("id", "shop_category")})
        orders = connection.introspection.get_constraints(c, "shop_book")["shop_book_status_price_idx"]["orders"]
    eq("Index(fields=['status', '-price']) orders (pg_index.indoption)", orders, ["ASC", "DESC"])


def step_data_before_0002():
    """Rows written with the 0001 schema, through the historical models a
    data migration would use."""
    state = MigrationExecutor(connection).loader.project_state(("shop", "0001_initial"))
    OldAuthor = state.apps.get_model("shop", "Author")
    OldBook = state.apps.get_model("shop", "Book")
    OldReview = state.apps.get_model("shop", "Review")
    OldCategory = state.apps.get_model("shop", "Category")
    a = OldAuthor.objects.create(name="Old Timer", email="old@example.com")
    c = OldCategory.objects.create(name="Legacy", slug="legacy")
    b = OldBook.objects.create(title="Before Migrations", author=a, category=c, price=D("3.50"), pages=321)
    OldReview.objects.create(book=b, reviewer="early", rating=4, body="fine")
    eq("old book pages", OldBook.objects.get(pk=b.pk).pages, 321)


def step_migrate_0002():
    out = migrate("shop", "0002")
    if "Applying shop.0002_book_page_count_review_helpful... OK" not in out:
        raise Mismatch("migrate shop printed %r" % out)
    cols = columns("shop_book")
    eq("renamed column", ("pages" in cols, cols.get("page_count")), (False, ("IntegerField", False)))
    eq("added column", columns("shop_review").get("helpful"), ("IntegerField", False))
    b = Book.objects.get(title="Before Migrations")
    eq("renamed value", b.page_count, 321)
    eq("added default on existing row", Review.objects.get(reviewer="early").helpful, 0)
    with connection.cursor() as c:
        c.execute("SELECT column_default FROM information_schema.columns "
                  "WHERE table_name = 'shop_review' AND column_name = 'helpful'")
        eq("Django drops the default it added with", c.fetchone(), (None,))
        c.execute("SELECT character_maximum_length FROM information_schema.columns "
                  "WHERE table_name = 'shop_category' AND column_name = 'slug'")
        eq("altered varchar length", c.fetchone(), (80,))
    slug = sorted(n for n, v in constraints("shop_category").items() if v == (("slug",), "index"))
    eq("slug indexes after AlterField", [n.endswith("_like") for n in slug], [False, True])
    eq("_like index still serves LIKE", list(Category.objects.filter(slug__startswith="leg").values_list("name", flat=True)),
       ["Legacy"])


def step_migrate_0003():
    out = migrate("shop")
    if "Applying shop.0003_author_slug... OK" not in out:
        raise Mismatch("migrate shop printed %r" % out)
    eq("slug filled by RunPython", Author.objects.get(email="old@example.com").slug, "old-timer")
    eq("slug column", columns("shop_author").get("slug"), ("CharField", False))
    cons = constraints("shop_author")
    eq("slug unique and _like", sorted((v[1], n.endswith("_like")) for n, v in cons.items() if v[0] == ("slug",)),
       [("index", True), ("unique", False)])


def step_second_migrate():
    out = migrate()
    if "No migrations to apply." not in out:
        raise Mismatch("second migrate printed %r" % out)


def step_create_get_filter():
    global ann, bob, fic, sci, t_py, t_db, t_go
    ann = Author.objects.create(name="Ann Archer", email="ann@example.com", slug="ann")
    bob = Author.objects.create(name="Bob Baker", email="bob@example.com", slug="bob", active=False)
    eq("BooleanField default", Author.objects.get(pk=ann.pk).active, True)
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs((Author.objects.get(pk=ann.pk).created - now).total_seconds()) > 60:
        raise Mismatch("auto_now_add: %r is not close to %r" % (ann.created, now))
    fic = Category.objects.create(name="Fiction", slug="fiction")
    sci = Category.objects.create(name="Science", slug="science")
    t_py, t_db, t_go = Tag.objects.create(name="python"), Tag.objects.create(name="databases"), Tag.objects.create(name="go")
    Profile.objects.create(author=ann, bio="writes", settings={"theme": "dark", "langs": ["en", "fr"], "n": 3})
    b1 = Book.objects.create(title="Deep Water", author=ann, category=fic, price=D("19.99"), page_count=300,
                             status=Book.Status.PUBLISHED, data={"isbn": "111", "meta": {"ed": 2, "tags": ["a", "b"]}})
    b2 = Book.objects.create(title="Query Plans", author=ann, category=sci, price=D("45.00"), page_count=520,
                             data={"isbn": "222", "meta": {"ed": 1}})
    b3 = Book.objects.create(title="Go Fast", author=bob, category=sci, price=D("30.50"), page_count=150,
                             status=Book.Status.PUBLISHED, data={"isbn": "333", "draft": True})
    b1.tags.add(t_py)
    b2.tags.add(t_py, t_db)
    b3.tags.set([t_go, t_db])
    eq("get", Book.objects.get(title="Deep Water").price, D("19.99"))
    eq("TextChoices default", Book.objects.get(pk=b2.pk).status, "draft")
    eq("filter", sorted(Book.objects.filter(author=ann).values_list("title", flat=True)), ["Deep Water", "Query Plans"])
    eq("exclude", sorted(Book.objects.exclude(author=ann).values_list("title", flat=True)),
       ["Before Migrations", "Go Fast"])
    eq("Q or/not", sorted(Book.objects.filter(Q(price__gt=40) | Q(title__startswith="Go"), ~Q(status="x"))
                          .values_list("title", flat=True)), ["Go Fast", "Query Plans"])
    eq("icontains", list(Book.objects.filter(title__icontains="WATER").values_list("title", flat=True)), ["Deep Water"])
    eq("istartswith", list(Author.objects.filter(name__istartswith="bob").values_list("email", flat=True)),
       ["bob@example.com"])
    eq("endswith/in/range", list(Book.objects.filter(title__endswith="s", price__range=(10, 50),
                                                     author__in=[ann, bob]).values_list("title", flat=True)),
       ["Query Plans"])
    eq("isnull", Book.objects.filter(published__isnull=True).count(), 4)
    try:
        Book.objects.get(title="nope")
        raise Mismatch("get of a missing row did not raise DoesNotExist")
    except Book.DoesNotExist:
        pass
    try:
        Book.objects.get(price__gt=0)
        raise Mismatch("get of many rows did not raise MultipleObjectsReturned")
    except Book.MultipleObjectsReturned:
        pass


def step_related():
    with CountQueries() as q:
        books = list(Book.objects.select_related("author", "category").order_by("title"))
        got = [(b.title, b.author.name, b.category.name if b.category else None) for b in books]
    eq("select_related", got, [("Before Migrations", "Old Timer", "Legacy"), ("Deep Water", "Ann Archer", "Fiction"),
                               ("Go Fast", "Bob Baker", "Science"), ("Query Plans", "Ann Archer", "Science")])
    eq("select_related is one query", q.n, 1)
    with CountQueries() as q:
        got = [(a.name, sorted(b.title for b in a.books.all()), sorted(t.name for b in a.books.all() for t in b.tags.all()))
               for a in Author.objects.prefetch_related("books__tags").order_by("name")]
    eq("prefetch_related", got, [("Ann Archer", ["Deep Water", "Query Plans"], ["databases", "python", "python"]),
                                 ("Bob Baker", ["Go Fast"], ["databases", "go"]),
                                 ("Old Timer", ["Before Migrations"], [])])
    eq("prefetch_related queries", q.n, 3)
    eq("reverse one-to-one", Author.objects.get(profile__bio="writes").name, "Ann Archer")
    eq("m2m filter", sorted(Book.objects.filter(tags__name="databases").values_list("title", flat=True)),
       ["Go Fast", "Query Plans"])
    eq("span filter", sorted(Tag.objects.filter(books__author__name__startswith="Ann").distinct()
                             .values_list("name", flat=True)), ["databases", "python"])


def step_aggregates():
    got = list(Author.objects.annotate(n=Count("books"), total=Sum("books__price"), avg=Avg("books__page_count"))
               .order_by("-n", "name").values_list("name", "n", "total", "avg"))
    eq("annotate", [(n, c, t, round(a, 2)) for n, c, t, a in got],
       [("Ann Archer", 2, D("64.99"), 410.0), ("Bob Baker", 1, D("30.50"), 150.0), ("Old Timer", 1, D("3.50"), 321.0)])
    eq("aggregate", Book.objects.aggregate(n=Count("id"), total=Sum("price"), top=Max("price")),
       {"n": 4, "total": D("98.99"), "top": D("45.00")})
    eq("annotate m2m count filter", list(Tag.objects.annotate(n=Count("books")).filter(n__gte=2).order_by("name")
                                         .values_list("name", "n")), [("databases", 2), ("python", 2)])
    eq("values group by", list(Book.objects.values("status").annotate(n=Count("id")).order_by("status")),
       [{"status": "draft", "n": 2}, {"status": "pub", "n": 2}])
    eq("Count distinct filter", Author.objects.aggregate(n=Count("books__tags", distinct=True,
                                                                 filter=Q(books__price__gt=20)))["n"], 3)


def step_values_order():
    eq("values", list(Category.objects.order_by("name").values("name", "slug")),
       [{"name": "Fiction", "slug": "fiction"}, {"name": "Legacy", "slug": "legacy"},
        {"name": "Science", "slug": "science"}])
    eq("values_list flat", list(Author.objects.order_by(Lower("name").desc()).values_list("name", flat=True)),
       ["Old Timer", "Bob Baker", "Ann Archer"])
    eq("order_by F desc nulls", list(Book.objects.order_by(F("category__name").desc(nulls_last=True), "-price")
                                     .values_list("title", flat=True)),
       ["Query Plans", "Go Fast", "Before Migrations", "Deep Water"])
    eq("order_by expression", list(Book.objects.annotate(per_page=F("price") / F("page_count"))
                                   .order_by("-per_page").values_list("title", flat=True)[:2]),
       ["Go Fast", "Query Plans"])
    eq("distinct", list(Book.objects.values_list("author__name", flat=True).distinct().order_by("author__name")),
       ["Ann Archer", "Bob Baker", "Old Timer"])
    eq("exists", (Book.objects.filter(price__gt=40).exists(), Book.objects.filter(price__gt=400).exists()),
       (True, False))
    eq("count", Book.objects.filter(tags__isnull=False).distinct().count(), 3)
    eq("slice", list(Book.objects.order_by("price").values_list("title", flat=True)[1:3]),
       ["Deep Water", "Go Fast"])
    eq("first/last", (Book.objects.order_by("price").first().title, Book.objects.order_by("price").last().title),
       ("Before Migrations", "Query Plans"))
    eq("subquery", sorted(Author.objects.filter(books__in=Book.objects.filter(price__gt=25)).distinct()
                          .values_list("name", flat=True)), ["Ann Archer", "Bob Baker"])


def step_updates():
    n = Book.objects.filter(author=ann).update(price=F("price") + 1, page_count=F("page_count") * 2)
    eq("update rows", n, 2)
    eq("update F", sorted(Book.objects.filter(author=ann).values_list("price", "page_count")),
       [(D("20.99"), 600), (D("46.00"), 1040)])
    b = Book.objects.get(title="Go Fast")
    b.price = F("price") - D("0.50")
    b.save(update_fields=["price"])
    b.refresh_from_db()
    eq("save F", b.price, D("30.00"))
    Category.objects.filter(slug="legacy").update(slug="old")
    eq("update then filter", Category.objects.get(slug="old").name, "Legacy")


def step_bulk():
    tags = Tag.objects.bulk_create([Tag(name="t%d" % i) for i in range(5)])
    eq("bulk_create returns ids", all(t.pk for t in tags), True)
    for i, t in enumerate(tags):
        t.name = "bulk%d" % i
    Tag.objects.bulk_update(tags, ["name"])
    eq("bulk_update", list(Tag.objects.filter(name__startswith="bulk").order_by("name").values_list("name", flat=True)),
       ["bulk0", "bulk1", "bulk2", "bulk3", "bulk4"])
    Tag.objects.bulk_create([Tag(name="bulk0"), Tag(name="new")], ignore_conflicts=True)
    eq("bulk_create ignore_conflicts", Tag.objects.filter(name__in=["bulk0", "new"]).count(), 2)
    eq("delete", Tag.objects.filter(name__startswith="bulk").delete(), (5, {"shop.Tag": 5}))


def step_get_or_create():
    c, created = Category.objects.get_or_create(name="Poetry", defaults={"slug": "poetry"})
    eq("get_or_create creates", created, True)
    c2, created = Category.objects.get_or_create(name="Poetry", defaults={"slug": "other"})
    eq("get_or_create gets", (created, c2.pk, c2.slug), (False, c.pk, "poetry"))
    a, created = Author.objects.update_or_create(email="cy@example.com", defaults={"name": "Cy", "slug": "cy"})
    eq("update_or_create creates", created, True)
    a2, created = Author.objects.update_or_create(email="cy@example.com", defaults={"name": "Cyril"})
    eq("update_or_create updates", (created, a2.pk, Author.objects.get(pk=a.pk).name), (False, a.pk, "Cyril"))


def step_json():
    eq("key", list(Book.objects.filter(data__isbn="222").values_list("title", flat=True)), ["Query Plans"])
    eq("nested key", list(Book.objects.filter(data__meta__ed=2).values_list("title", flat=True)), ["Deep Water"])
    eq("nested gt", sorted(Book.objects.filter(data__meta__ed__gte=1).values_list("title", flat=True)),
       ["Deep Water", "Query Plans"])
    eq("has_key", list(Book.objects.filter(data__has_key="draft").values_list("title", flat=True)), ["Go Fast"])
    eq("contains", list(Book.objects.filter(data__contains={"meta": {"ed": 1}}).values_list("title", flat=True)),
       ["Query Plans"])
    eq("array index", list(Book.objects.filter(data__meta__tags__1="b").values_list("title", flat=True)),
       ["Deep Water"])
    eq("key isnull", sorted(Book.objects.filter(data__meta__isnull=True).values_list("title", flat=True)),
       ["Before Migrations", "Go Fast"])
    eq("values of a key", list(Book.objects.order_by("title").values_list("data__isbn", flat=True)),
       [None, "111", "333", "222"])
    eq("key icontains", list(Profile.objects.filter(settings__theme__icontains="DAR").values_list("bio", flat=True)),
       ["writes"])
    eq("round trip", Profile.objects.get().settings, {"theme": "dark", "langs": ["en", "fr"], "n": 3})


def step_transactions():
    with transaction.atomic():
        Tag.objects.create(name="committed")
    try:
        with transaction.atomic():
            Tag.objects.create(name="rolled-back")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    eq("atomic commit and rollback", (Tag.objects.filter(name="committed").exists(),
                                      Tag.objects.filter(name="rolled-back").exists()), (True, False))
    with transaction.atomic():
        Tag.objects.create(name="outer")
        try:
            with transaction.atomic():  # a savepoint
                Tag.objects.create(name="inner")
                raise ValueError
        except ValueError:
            pass
        with transaction.atomic():
            Tag.objects.create(name="inner2")
    eq("savepoints", sorted(Tag.objects.filter(name__in=["outer", "inner", "inner2"]).values_list("name", flat=True)),
       ["inner2", "outer"])
    try:
        with transaction.atomic():
            Tag.objects.create(name="go")  # unique violation inside a savepoint
    except IntegrityError:
        pass
    with transaction.atomic():
        try:
            with transaction.atomic():
                Tag.objects.create(name="python")
        except IntegrityError:
            pass
        Tag.objects.create(name="after-error")  # the outer block is still usable
    eq("error in savepoint", Tag.objects.filter(name="after-error").count(), 1)
    with transaction.atomic():
        b = Book.objects.select_for_update().get(title="Deep Water")
        b.page_count += 1
        b.save()
        locked = list(Book.objects.select_for_update(of=("self",)).select_related("author")
                      .filter(author__name="Bob Baker").values_list("title", flat=True))
    eq("select_for_update", (Book.objects.get(title="Deep Water").page_count, locked), (601, ["Go Fast"]))
    try:
        Book.objects.select_for_update().get(title="Deep Water")
        raise Mismatch("select_for_update outside atomic did not raise")
    except transaction.TransactionManagementError:
        pass


def step_unique_and_checks():
    try:
        with transaction.atomic():
            Book.objects.create(title="Deep Water", author=ann, price=1)
        raise Mismatch("unique_together (author, title) did not reject a duplicate")
    except IntegrityError:
        pass
    try:
        with transaction.atomic():
            Book.objects.create(title="Deep Water", author=bob, price=1, status=Book.Status.PUBLISHED)
        raise Mismatch("conditional UniqueConstraint did not reject a second published 'Deep Water'")
    except IntegrityError:
        pass
    Book.objects.create(title="Deep Water", author=bob, price=1)  # a draft may share the title
    try:
        with transaction.atomic():
            Book.objects.create(title="Cheap", author=bob, price=-1)
        raise Mismatch("CheckConstraint did not reject a negative price")
    except IntegrityError:
        pass
    try:
        with transaction.atomic():
            Review.objects.create(book=Book.objects.get(title="Go Fast"), reviewer="x", rating=-3)
        raise Mismatch("PositiveSmallIntegerField's check did not reject -3")
    except IntegrityError:
        pass
    try:
        with transaction.atomic():
            Profile.objects.create(author=ann)
        raise Mismatch("OneToOneField did not reject a second profile")
    except IntegrityError:
        pass


def step_delete_cascade():
    b = Book.objects.get(title="Go Fast")
    Review.objects.create(book=b, reviewer="r1", rating=5)
    Review.objects.create(book=b, reviewer="r2", rating=3)
    eq("reviews", b.reviews.count(), 2)
    Category.objects.get(name="Science").delete()
    eq("SET_NULL", sorted(Book.objects.filter(category__isnull=True).values_list("title", flat=True)),
       ["Deep Water", "Go Fast", "Query Plans"])
    n, per = bob.delete()
    eq("cascade delete", (n, per), (7, {"shop.Review": 2, "shop.Book_tags": 2, "shop.Book": 2, "shop.Author": 1}))
    eq("cascaded rows gone", (Review.objects.filter(reviewer__in=["r1", "r2"]).count(),
                              Book.objects.filter(author_id=bob.pk).count()), (0, 0))
    # The database's own ON DELETE (Django emulates CASCADE; a raw DELETE
    # must not leave orphans either: Django's foreign keys are DEFERRABLE).
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM shop_book_tags WHERE book_id NOT IN (SELECT id FROM shop_book)")
        eq("no orphans", c.fetchone(), (0,))


def step_loaddata():
    """A fixture with explicit keys: loaddata resets the sequence after
    it (sequence_reset_sql: setval(pg_get_serial_sequence(...), max(id)))."""
    out = io.StringIO()
    call_command("loaddata", "tags", stdout=out, verbosity=1)
    eq("loaddata", out.getvalue().strip(), "Installed 2 object(s) from 1 fixture(s)")
    eq("sequence after loaddata", Tag.objects.create(name="after-fixture").pk, 502)


def step_raw_sql():
    with connection.cursor() as c:
        c.execute("SELECT a.name, count(b.id) FROM shop_author a LEFT JOIN shop_book b ON b.author_id = a.id "
                  "WHERE a.email LIKE %s GROUP BY a.name ORDER BY a.name", ["%@example.com"])
        eq("raw select", c.fetchall(), [("Ann Archer", 2), ("Cyril", 0), ("Old Timer", 1)])
        c.execute("UPDATE shop_tag SET name = upper(name) WHERE name = %s", ["go"])
        eq("raw rowcount", c.rowcount, 1)
        c.execute("SELECT name FROM shop_tag WHERE name = %(n)s", {"n": "GO"})
        eq("raw named param", c.fetchone(), ("GO",))
    got = [(a.name, a.n) for a in Author.objects.raw(
        "SELECT id, name, (SELECT count(*) FROM shop_book WHERE author_id = shop_author.id) AS n "
        "FROM shop_author ORDER BY name")]
    eq("Manager.raw", got, [("Ann Archer", 2), ("Cyril", 0), ("Old Timer", 1)])


def step_auth():
    u = User.objects.create_user("alice", "alice@example.com", "s3cret!")
    eq("check_password", (u.check_password("s3cret!"), u.check_password("wrong")), (True, False))
    u2 = User.objects.get(username="alice")
    eq("stored password", (u2.check_password("s3cret!"), u2.password.startswith("pbkdf2_sha256$")), (True, True))
    su = User.objects.create_superuser("root", "root@example.com", "pw")
    eq("superuser", (su.is_superuser, su.is_staff), (True, True))
    g = Group.objects.create(name="editors")
    perms = Permission.objects.filter(content_type__app_label="shop", codename__startswith="change_")
    eq("permissions created by migrate", perms.count(), 6)
    g.permissions.set(perms)
    u2.groups.add(g)
    u3 = User.objects.get(pk=u2.pk)  # a fresh object: permissions are cached
    eq("has_perm via group", (u3.has_perm("shop.change_book"), u3.has_perm("shop.delete_book")), (True, False))
    from django.contrib.auth import authenticate
    eq("authenticate", (authenticate(username="alice", password="s3cret!") == u2,
                        authenticate(username="alice", password="no")), (True, None))


class CountQueries:
    """Counts the queries Django runs in a with block."""

    def __enter__(self):
        from django.test.utils import CaptureQueriesContext
        self.ctx = CaptureQueriesContext(connection)
        self.ctx.__enter__()
        return self

    def __exit__(self, *exc):
        self.ctx.__exit__(*exc)
        self.n = len(self.ctx.captured_queries)


STEPS = [
    ("migrate 0001", step_migrate_initial),
    ("introspection", step_introspection),
    ("data before 0002", step_data_before_0002),
    ("migrate 0002 (rename, add with default, alter)", step_migrate_0002),
    ("migrate 0003 (AddField, RunPython, AlterField)", step_migrate_0003),
    ("second migrate is a no-op", step_second_migrate),
    ("create/get/filter/exclude/Q/lookups", step_create_get_filter),
    ("select_related/prefetch_related", step_related),
    ("annotate/aggregate", step_aggregates),
    ("values/order_by/distinct/exists/count/slice", step_values_order),
    ("update with F", step_updates),
    ("bulk_create/bulk_update", step_bulk),
    ("get_or_create/update_or_create", step_get_or_create),
    ("JSONField lookups", step_json),
    ("transaction.atomic/savepoints/select_for_update", step_transactions),
    ("unique/check constraints", step_unique_and_checks),
    ("delete with cascades", step_delete_cascade),
    ("loaddata", step_loaddata),
    ("raw SQL", step_raw_sql),
    ("auth users", step_auth),
]


def run():
    for name, f in STEPS:
        try:
            f()
        except Exception as e:  # the first failure ends the run
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))
            if not isinstance(e, Mismatch):
                traceback.print_exc()
            sys.exit(1)
        print("ok", name)
    print("all steps passed")
