#!/usr/bin/env bash
# Replay for operations/lab-offsite-object-storage.md (./drillbook record --sandbox-setup offsite-object-storage,
# see docs/authoring.md#terminal).
#% title: What this S3 store does not do: storage classes, lifecycle rules, Object Lock
#% scenario: The lab's sandbox: Swift 2.30 with s3api on 127.0.0.1:8080, Debian's aws 2.9. A test bucket, a
#%   small file, and the three features a real off-site setup leans on.
#% mask: (tx[0-9a-f]{21}-[0-9a-f]{10})
#% mask: ^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) 
# Preparation (not shown): a file to upload.
echo "not a backup" > /tmp/note.txt

#> A bucket, and an upload to the default class: this works as on Amazon S3.
aws --endpoint-url http://127.0.0.1:8080 s3 mb s3://scratch && aws --endpoint-url http://127.0.0.1:8080 s3 cp /tmp/note.txt s3://scratch/note.txt

#> Any storage class other than STANDARD is refused.
aws --endpoint-url http://127.0.0.1:8080 s3 cp /tmp/note.txt s3://scratch/ia.txt --storage-class STANDARD_IA

#> A lifecycle rule that would expire objects after 30 days is refused too: there is no lifecycle support.
aws --endpoint-url http://127.0.0.1:8080 s3api put-bucket-lifecycle-configuration --bucket scratch --lifecycle-configuration '{"Rules":[{"ID":"expire-30","Status":"Enabled","Filter":{"Prefix":""},"Expiration":{"Days":30}}]}'

#> Object Lock is the trap: the bucket is created "with Object Lock" and the locked upload succeeds.
aws --endpoint-url http://127.0.0.1:8080 s3api create-bucket --bucket locked --object-lock-enabled-for-bucket
aws --endpoint-url http://127.0.0.1:8080 s3api put-object --bucket locked --key note.txt --body /tmp/note.txt --object-lock-mode COMPLIANCE --object-lock-retain-until-date 2030-01-01T00:00:00Z

#> But no lock is kept, and the object that should be undeletable until 2030 is gone at once.
aws --endpoint-url http://127.0.0.1:8080 s3api get-object-lock-configuration --bucket locked
aws --endpoint-url http://127.0.0.1:8080 s3 rm s3://locked/note.txt
aws --endpoint-url http://127.0.0.1:8080 s3 ls s3://locked/
