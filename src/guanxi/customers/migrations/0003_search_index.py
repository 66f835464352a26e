"""Full-text search over customers' search documents, and indexes for the list's filters and sorts.

SQLite: an FTS5 table with external content (the documents stay in customers_customer) kept
in sync by triggers. PostgreSQL: a GIN index on to_tsvector('simple', search_document).
Documents are rebuilt first, in the format guanxi.customers.search now writes.
"""

from django.db import migrations

from guanxi.customers import search


def rebuild_documents(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    Contact = apps.get_model("customers", "Contact")
    db = schema_editor.connection.alias
    for model in (Contact, Customer):
        last = 0
        while True:
            batch = list(model.objects.using(db).filter(pk__gt=last).order_by("pk")[:2000])
            if not batch:
                break
            for obj in batch:
                names = []
                if model is Customer:
                    names = list(Contact.objects.using(db).filter(customer_id=obj.pk, deleted_at__isnull=True)
                                 .values_list("name", flat=True)[:50])
                obj.search_document = search.customer_document(obj.name, names)
            model.objects.using(db).bulk_update(batch, ["search_document"])
            last = batch[-1].pk


def create_search(apps, schema_editor):
    search.install(schema_editor.connection)


def drop_search(apps, schema_editor):
    search.uninstall(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0002_initial"),
    ]

    operations = [
        migrations.RunPython(rebuild_documents, migrations.RunPython.noop),
        migrations.RunPython(create_search, drop_search),
    ]
