# Written by hand (makemigrations does not write data migrations): the
# usual three steps to add a required unique column to a table with rows.

from django.db import migrations, models
from django.utils.text import slugify


def fill_slugs(apps, schema_editor):
    Author = apps.get_model("shop", "Author")
    for a in Author.objects.all():
        a.slug = slugify(a.name)
        a.save(update_fields=["slug"])


class Migration(migrations.Migration):
    # Not in one transaction: NodeDB runs each DDL statement in a
    # transaction of its own and refuses DDL in a block that has written
    # (55006), so the AlterField after RunPython's writes would fail in
    # Django's default atomic migration. PostgreSQL runs it either way; a
    # failure half way leaves the earlier operations applied, as it would
    # here in any case.
    atomic = False

    dependencies = [
        ('shop', '0002_book_page_count_review_helpful'),
    ]

    operations = [
        migrations.AddField(
            model_name='author',
            name='slug',
            field=models.CharField(max_length=100, null=True),
        ),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop, atomic=True),
        migrations.AlterField(
            model_name='author',
            name='slug',
            field=models.CharField(max_length=100, unique=True),
        ),
    ]
