"""Company keys for the customers that existed before the collision check, so it finds them too."""

from django.db import migrations

BATCH = 5000


def add_customer_keys(apps, schema_editor):
    from guanxi.dataquality.normalise import company_name_key

    Customer = apps.get_model("customers", "Customer")
    MatchKey = apps.get_model("dataquality", "MatchKey")
    db = schema_editor.connection.alias
    rows = Customer.objects.using(db).filter(deleted_at__isnull=True).values_list("id", "name")
    batch = []
    for customer_id, name in rows.iterator(chunk_size=BATCH):
        key = company_name_key(name)
        if key:
            batch.append(MatchKey(entity="customers.customer", object_id=customer_id, kind="name", value=key))
        if len(batch) >= BATCH:
            MatchKey.objects.using(db).bulk_create(batch, ignore_conflicts=True)
            batch = []
    MatchKey.objects.using(db).bulk_create(batch, ignore_conflicts=True)


def remove_customer_keys(apps, schema_editor):
    MatchKey = apps.get_model("dataquality", "MatchKey")
    MatchKey.objects.using(schema_editor.connection.alias).filter(entity="customers.customer").delete()


class Migration(migrations.Migration):

    dependencies = [
        ("dataquality", "0001_initial"),
        ("customers", "0005_last_deal"),
    ]

    operations = [migrations.RunPython(add_customer_keys, remove_customer_keys)]
