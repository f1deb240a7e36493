from django.urls import path

from agreements.views import agreements, alignments, tours

app_name = "agreements"

urlpatterns = [
    path("alliance/", alignments.MyAllianceView.as_view(), name="mine"),
    path("alliance/new-manager/", alignments.ShareOfferView.as_view(), name="share_offer"),
    path("alliance/team/", alignments.TeamView.as_view(), name="team"),
    path("people/<int:member_pk>/alliance/", alignments.PersonAllianceView.as_view(), name="person"),
    path("alignments/new/", alignments.AlignmentFormView.as_view(), name="alignment_new"),
    path("alignments/<int:pk>/", alignments.AlignmentDetailView.as_view(), name="alignment"),
    path("alignments/<int:pk>/edit/", alignments.AlignmentFormView.as_view(), name="alignment_edit"),
    path("alignments/<int:pk>/confirm/", alignments.AlignmentConfirmView.as_view(), name="alignment_confirm"),
    path("alignments/<int:pk>/sharing/", alignments.AlignmentSharingView.as_view(), name="alignment_sharing"),
    path("alignments/<int:alignment_pk>/tours/new/", tours.TourFormView.as_view(), name="tour_new"),
    path("tours/<int:pk>/", tours.TourDetailView.as_view(), name="tour"),
    path("tours/<int:pk>/edit/", tours.TourFormView.as_view(), name="tour_edit"),
    path("tours/<int:pk>/discard/", tours.TourDiscardView.as_view(), name="tour_discard"),
    path("agreements/<int:pk>/", agreements.AgreementView.as_view(), name="agreement"),
    path("agreements/<int:pk>/amend/", agreements.AmendView.as_view(), name="amend"),
    path("agreements/<int:pk>/v<int:number>/", agreements.VersionDetailView.as_view(), name="version"),
    path("agreements/<int:pk>/v<int:number>/edit/", agreements.VersionEditView.as_view(), name="version_edit"),
    path("agreements/<int:pk>/v<int:number>/request/", agreements.RequestSignaturesView.as_view(), name="request"),
    path("agreements/<int:pk>/v<int:number>/withdraw/", agreements.WithdrawView.as_view(), name="withdraw"),
    path("agreements/<int:pk>/v<int:number>/sign/", agreements.SignView.as_view(), name="sign"),
    path("agreements/<int:pk>/v<int:number>/decline/", agreements.DeclineView.as_view(), name="decline"),
    path("agreements/<int:pk>/v<int:number>/discard/", agreements.VersionDiscardView.as_view(), name="version_discard"),
    path("agreements/<int:pk>/v<int:number>/pdf/", agreements.PdfView.as_view(), name="pdf"),
    path("settings/agreement-template/", agreements.AgreementTemplateView.as_view(), name="template"),
]
